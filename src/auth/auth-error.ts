import { DomainError } from "../errors/domain-error.js";

/**
 * The Unauthenticated error of every rejected token. `reason` is a short
 * lower-case phrase ("token expired") that says what is wrong with the
 * token and nothing about keys; `cause` is kept for the log only.
 */
export function unauthenticated(reason: string, cause?: unknown): DomainError {
  return new DomainError(
    "unauthenticated",
    "AUTH-7fs1e",
    "Errors.Token.Invalid",
    reason,
    cause === undefined ? undefined : { cause },
  );
}

/** The PermissionDenied error of API.md section 6. */
export function noMatchingPermissions(): DomainError {
  return new DomainError(
    "permissionDenied",
    "AUTH-5mWD2",
    "No matching permissions found",
    "No matching permissions found",
  );
}
