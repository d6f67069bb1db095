import { Code } from "@connectrpc/connect";

// API.md section 7; every code not listed answers 500.
const statusByCode: ReadonlyMap<Code, number> = new Map([
  [Code.InvalidArgument, 400],
  [Code.FailedPrecondition, 400],
  [Code.OutOfRange, 400],
  [Code.Unauthenticated, 401],
  [Code.PermissionDenied, 403],
  [Code.NotFound, 404],
  [Code.AlreadyExists, 409],
  [Code.Aborted, 409],
  [Code.ResourceExhausted, 429],
  [Code.Canceled, 499],
  [Code.Unimplemented, 501],
  [Code.Unavailable, 503],
  [Code.DeadlineExceeded, 504],
]);

/**
 * The HTTP status a REST caller gets for an error with the given code. This
 * is the one table for REST; it differs from Connect's own mapping (for
 * example FailedPrecondition is 400 here, 412 in Connect). Codes without a
 * row (Unknown, Internal, DataLoss) answer 500.
 */
export function httpStatusFromCode(code: Code): number {
  return statusByCode.get(code) ?? 500;
}
