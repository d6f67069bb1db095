/**
 * The kinds of failure the domain can report. Each maps to exactly one
 * Connect code in `connect-error.ts`, the only place that knows codes.
 */
export type ErrorKind =
  | "invalidArgument"
  | "notFound"
  | "alreadyExists"
  | "failedPrecondition"
  | "permissionDenied"
  | "unauthenticated"
  | "resourceExhausted"
  | "unavailable"
  | "deadlineExceeded"
  | "internal";

/**
 * DomainError is what the domain, the stores and the auth layer throw for a
 * caller-visible failure. `id` names the place that raised it
 * ("COMMAND-suq2upd3rt"), `key` the translation key
 * ("Errors.Execution.NotFound"), and `text` the human sentence that goes
 * before the id in the message ("Execution not found").
 */
export class DomainError extends Error {
  override readonly name = "DomainError";

  constructor(
    readonly kind: ErrorKind,
    readonly id: string,
    readonly key: string,
    readonly text: string,
    options?: { cause?: unknown },
  ) {
    super(`${text} (${id})`, options);
  }
}

/** Shorthand for an InvalidArgument error. */
export function invalidArgument(id: string, key: string, text: string) {
  return new DomainError("invalidArgument", id, key, text);
}

/** Shorthand for a NotFound error. */
export function notFound(id: string, key: string, text: string) {
  return new DomainError("notFound", id, key, text);
}

/** Shorthand for an AlreadyExists error. */
export function alreadyExists(id: string, key: string, text: string) {
  return new DomainError("alreadyExists", id, key, text);
}

/** Shorthand for a FailedPrecondition error. */
export function failedPrecondition(id: string, key: string, text: string) {
  return new DomainError("failedPrecondition", id, key, text);
}
