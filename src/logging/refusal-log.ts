import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { Logger } from "pino";
import type { CallLogMark } from "./request-log-interceptor.js";

type NodeRequest = IncomingMessage | Http2ServerRequest;

/** What is read of a node:http or node:http2 response. */
interface NodeResponse {
  readonly statusCode: number;
  once(event: "close", listener: () => void): unknown;
  /** HTTP/2 only: what went out, trailers included. */
  readonly stream?: {
    readonly sentHeaders?: Record<string, unknown>;
    readonly sentTrailers?: Record<string, unknown>;
  };
}

/**
 * Makes the mark of each request and, when the response is done without
 * the interceptor having logged it, writes one "refused" line instead:
 * method, path (no query string), the media type of the request body
 * (which tells the protocol, or why none was recognised), HTTP status, the
 * gRPC status on HTTP/2, and duration_ms. Like the call line it logs no
 * other header and no body.
 */
export function createRefusalLog(
  logger: Logger,
  now: () => number = () => performance.now(),
): (req: NodeRequest, res: NodeResponse) => CallLogMark {
  return (req, res) => {
    const mark: CallLogMark = { logged: false };
    const started = now();
    res.once("close", () => {
      if (mark.logged) {
        return;
      }
      const url = req.url ?? "";
      const query = url.indexOf("?");
      const line: Record<string, unknown> = {
        method: req.method,
        // The caller's text, so bounded.
        path: (query < 0 ? url : url.slice(0, query)).slice(0, 256),
        content_type: mediaTypeOf(req.headers["content-type"]),
        status: res.statusCode,
        duration_ms: Math.round((now() - started) * 1000) / 1000,
      };
      // gRPC answers an error in the trailers, or in the headers of a
      // response without a body.
      const grpcStatus =
        res.stream?.sentTrailers?.["grpc-status"] ??
        res.stream?.sentHeaders?.["grpc-status"];
      if (grpcStatus !== undefined) {
        line.grpc_status = Number(grpcStatus);
      }
      logger.info(line, "refused");
    });
    return mark;
  };
}

// Without parameters (a boundary or charset says nothing here) and
// bounded, since the header is the caller's text.
function mediaTypeOf(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(";")[0]?.trim().slice(0, 100) || undefined;
}
