import { actionErrors } from "./action-errors.js";
import type { TargetChange, TargetSettings, Timeout } from "./target.js";

/**
 * Decides whether an endpoint may be called; answers a reason to refuse, or
 * undefined to allow it.
 */
export type EndpointCheck = (endpoint: URL) => string | undefined;

/** What CreateTarget asks for before its type is known to be present. */
export interface NewTargetInput {
  readonly name: string;
  readonly kind?: TargetChange["kind"];
  readonly timeout?: Timeout;
  readonly endpoint: string;
}

const maxNameLength = 200;
const maxEndpointLength = 1000;

/**
 * Checks every field of a new target (API.md section 2) and answers the
 * settings to store. Throws InvalidArgument: empty or long name
 * (COMMAND-ddqbm9us5p), missing type, missing or non-positive timeout
 * (COMMAND-39f35d8uri), endpoint that is no absolute http(s) URI
 * (COMMAND-1r2k6qo6wg), too long or refused by `checkEndpoint`.
 */
export function validateNewTarget(
  input: NewTargetInput,
  checkEndpoint?: EndpointCheck,
): TargetSettings {
  validateName(input.name, false);
  if (input.kind === undefined) {
    throw actionErrors.targetTypeMissing();
  }
  if (input.timeout === undefined) {
    throw actionErrors.timeoutMissing(false);
  }
  validateTimeout(input.timeout, false);
  validateEndpoint(input.endpoint, false, checkEndpoint);
  return {
    name: input.name,
    type: input.kind.type,
    interruptOnError: input.kind.interruptOnError,
    timeout: input.timeout,
    endpoint: input.endpoint,
  };
}

/**
 * Checks the given fields of a target change with the same rules as
 * `validateNewTarget` (UpdateTarget's own error ids: COMMAND-d1wx4lm0zr,
 * COMMAND-08b39vdi57, COMMAND-jsbaera7b6) and the target id (1..200).
 */
export function validateTargetChange(
  targetId: string,
  change: TargetChange,
  checkEndpoint?: EndpointCheck,
): void {
  validateTargetId(targetId);
  if (change.name !== undefined) {
    validateName(change.name, true);
  }
  if (change.timeout !== undefined) {
    validateTimeout(change.timeout, true);
  }
  if (change.endpoint !== undefined) {
    validateEndpoint(change.endpoint, true, checkEndpoint);
  }
}

/** Checks a target id of a request: 1 to 200 characters, InvalidArgument. */
export function validateTargetId(targetId: string): void {
  if (targetId === "" || exceeds(targetId, maxNameLength)) {
    throw actionErrors.targetIdInvalid();
  }
}

/**
 * Answers the settings after applying a change, or undefined when the
 * change alters nothing (so nothing is written).
 */
export function applyTargetChange(
  current: TargetSettings,
  change: TargetChange,
): TargetSettings | undefined {
  const next: TargetSettings = {
    name: change.name ?? current.name,
    type: change.kind?.type ?? current.type,
    interruptOnError: change.kind?.interruptOnError ?? current.interruptOnError,
    timeout: change.timeout ?? current.timeout,
    endpoint: change.endpoint ?? current.endpoint,
  };
  const same =
    next.name === current.name &&
    next.type === current.type &&
    next.interruptOnError === current.interruptOnError &&
    next.timeout.seconds === current.timeout.seconds &&
    next.timeout.nanos === current.timeout.nanos &&
    next.endpoint === current.endpoint;
  return same ? undefined : next;
}

/**
 * Tells whether a string is longer than `max` characters, counting code
 * points as protobuf's length rules do (a UTF-16 length at or below the
 * limit can never hold more code points).
 */
export function exceeds(value: string, max: number): boolean {
  if (value.length <= max) {
    return false;
  }
  let count = 0;
  for (const _ of value) {
    count += 1;
    if (count > max) {
      return true;
    }
  }
  return false;
}

function validateName(name: string, update: boolean): void {
  if (name === "") {
    throw actionErrors.targetNameEmpty(update);
  }
  if (exceeds(name, maxNameLength)) {
    throw actionErrors.targetNameTooLong();
  }
}

function validateTimeout(timeout: Timeout, update: boolean): void {
  const { seconds, nanos } = timeout;
  if (
    !Number.isSafeInteger(seconds) ||
    !Number.isInteger(nanos) ||
    nanos <= -1e9 ||
    nanos >= 1e9 ||
    (seconds > 0 && nanos < 0) ||
    (seconds < 0 && nanos > 0)
  ) {
    throw actionErrors.timeoutInvalid();
  }
  if (seconds < 0 || (seconds === 0 && nanos <= 0)) {
    throw actionErrors.timeoutMissing(update);
  }
}

function validateEndpoint(
  endpoint: string,
  update: boolean,
  checkEndpoint: EndpointCheck | undefined,
): void {
  if (exceeds(endpoint, maxEndpointLength)) {
    throw actionErrors.endpointTooLong();
  }
  // The URL parser forgives surrounding blanks and a missing scheme only
  // with a base; an endpoint must stand on its own, exactly as given.
  const url = endpoint.trim() === endpoint ? parseUrl(endpoint) : undefined;
  if (
    url === undefined ||
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    url.hostname === ""
  ) {
    throw actionErrors.endpointInvalid(update);
  }
  const reason = checkEndpoint?.(url);
  if (reason !== undefined) {
    throw actionErrors.endpointDenied(reason);
  }
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
