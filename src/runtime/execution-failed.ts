import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/zitadel/v1/error_detail_pb.js";
import type { TargetCallError } from "./target-call-error.js";

/** The error id of a target that fails a call (ZITADEL's). */
export const executionFailedId = "EXEC-dra6yamk98";

const codeByStatus: ReadonlyMap<number, Code> = new Map([
  [400, Code.InvalidArgument],
  [401, Code.Unauthenticated],
  [403, Code.PermissionDenied],
  [404, Code.NotFound],
  [409, Code.AlreadyExists],
  [429, Code.ResourceExhausted],
  [500, Code.Internal],
  [501, Code.Unimplemented],
  [503, Code.Unavailable],
  [504, Code.DeadlineExceeded],
]);

/**
 * The code a failed target gives the call it interrupts (API.md section
 * 8): the HTTP status through the table above, a timeout
 * DeadlineExceeded, anything else Unknown.
 */
export function codeForTargetError(error: TargetCallError): Code {
  if (error.kind === "timeout") {
    return Code.DeadlineExceeded;
  }
  if (error.kind === "status" && error.status !== undefined) {
    return codeByStatus.get(error.status) ?? Code.Unknown;
  }
  return Code.Unknown;
}

/**
 * The error a caller sees when a target with `interrupt_on_error` fails:
 * "Execution failed (EXEC-dra6yamk98)" with the mapped code and a
 * `zitadel.v1.ErrorDetail`. The target's own answer is not forwarded; the
 * cause stays for the log.
 */
export function executionFailed(error: TargetCallError): ConnectError {
  return new ConnectError(
    `Execution failed (${executionFailedId})`,
    codeForTargetError(error),
    undefined,
    [
      {
        desc: ErrorDetailSchema,
        value: create(ErrorDetailSchema, {
          id: executionFailedId,
          message: "Errors.Execution.Failed",
        }),
      },
    ],
    error,
  );
}
