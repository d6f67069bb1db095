import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { ErrorDetailSchema } from "../../gen/zitadel/v1/error_detail_pb.js";
import { DomainError, type ErrorKind } from "./domain-error.js";

const codeByKind: Record<ErrorKind, Code> = {
  invalidArgument: Code.InvalidArgument,
  notFound: Code.NotFound,
  alreadyExists: Code.AlreadyExists,
  failedPrecondition: Code.FailedPrecondition,
  permissionDenied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  resourceExhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  deadlineExceeded: Code.DeadlineExceeded,
  internal: Code.Internal,
};

/**
 * Turns anything thrown below the transport into the ConnectError a caller
 * sees. A DomainError keeps its code, its message ("Execution not found
 * (COMMAND-suq2upd3rt)") and one `zitadel.v1.ErrorDetail`. A ConnectError
 * passes through. Anything else is a bug or an outage: the caller gets
 * Internal with a generic message, and the original stays in `cause` for
 * the log.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) {
    return error;
  }
  if (error instanceof DomainError) {
    return new ConnectError(
      error.message,
      codeByKind[error.kind],
      undefined,
      [
        {
          desc: ErrorDetailSchema,
          value: create(ErrorDetailSchema, {
            id: error.id,
            message: error.key,
          }),
        },
      ],
      error,
    );
  }
  return new ConnectError("internal error", Code.Internal, undefined, [], error);
}
