import { randomUUID } from "node:crypto";
import {
  Code,
  ConnectError,
  createContextKey,
  type Interceptor,
} from "@connectrpc/connect";
import type { Logger } from "pino";
import { authProbeKey } from "../auth/auth-probe.js";
import { callerKey } from "../auth/caller.js";

/** The protocols a call can arrive on, as the request log names them. */
export type CallProtocol = "grpc" | "grpc-web" | "connect" | "rest";

/**
 * The protocol of the current call when the transport cannot tell it from
 * the content type; the REST layer sets "rest". Default: derived.
 */
export const callProtocolKey = createContextKey<CallProtocol | undefined>(
  undefined,
  { description: "the protocol the call arrived on" },
);

/** The id of the current call, from `x-request-id` or generated. */
export const requestIdKey = createContextKey<string>("", {
  description: "the request id",
});

/**
 * Whether the request log interceptor wrote its line for a request. A
 * request that never reached the interceptor chain was refused before it
 * (by Connect: a bad content type, bytes that do not decode, a body over
 * the read limit; by the REST layer: no route, a wrong method, input that
 * does not fit the rule).
 */
export interface CallLogMark {
  logged: boolean;
}

/** The request's mark, in the context values of its call. */
export const callLogMarkKey = createContextKey<CallLogMark | undefined>(
  undefined,
  { description: "whether the request log has the call" },
);

/** The header that carries the request id both ways. */
export const requestIdHeader = "x-request-id";

/** Options of `createRequestLogInterceptor`. */
export interface RequestLogOptions {
  readonly logger: Logger;
  /** Monotonic milliseconds; default `performance.now`. */
  readonly now?: () => number;
}

// Codes that mean the server, not the caller, has a problem.
const serverCodes = new Set([
  Code.Internal,
  Code.Unknown,
  Code.DataLoss,
  Code.Unavailable,
]);

// Letters, digits and a few separators, so the id is safe to log and echo.
const validRequestId = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Logs one line per finished call: procedure, protocol, code ("ok" or the
 * Code name), duration_ms, request_id and the caller's user id when one is
 * set. Server-side codes (Internal, Unknown, DataLoss, Unavailable) log at
 * error with the cause's stack; all others at info. Echoes the request id
 * in the `x-request-id` response header. Never logs headers or bodies.
 *
 * Calls that are refused before the interceptors run (a bad content type,
 * undecodable bytes, a body over the read limit) get a "refused" line from
 * `createRefusalLog` instead; this interceptor marks the calls it logs.
 */
export function createRequestLogInterceptor(
  options: RequestLogOptions,
): Interceptor {
  const { logger } = options;
  const now = options.now ?? (() => performance.now());
  return (next) => async (req) => {
    const started = now();
    const mark = req.contextValues.get(callLogMarkKey);
    if (mark !== undefined) {
      mark.logged = true;
    }
    const given = req.header.get(requestIdHeader);
    const requestId =
      given !== null && validRequestId.test(given) ? given : randomUUID();
    req.contextValues.set(requestIdKey, requestId);
    const protocol =
      req.contextValues.get(callProtocolKey) ??
      protocolOf(req.header.get("content-type"));
    const finish = (error: unknown) => {
      if (req.contextValues.get(authProbeKey)?.passed === true) {
        // Only a probe of a refused request, which the refusal line tells.
        if (mark !== undefined) {
          mark.logged = false;
        }
        return;
      }
      const caller = req.contextValues.get(callerKey);
      const line: Record<string, unknown> = {
        procedure: `/${req.service.typeName}/${req.method.name}`,
        protocol,
        code: "ok",
        duration_ms: Math.round((now() - started) * 1000) / 1000,
        request_id: requestId,
      };
      if (caller !== undefined) {
        line.user_id = caller.userId;
      }
      if (error === undefined) {
        logger.info(line, "call");
        return;
      }
      const connectError = ConnectError.from(error);
      line.code = Code[connectError.code];
      if (serverCodes.has(connectError.code)) {
        line.err = describeCause(connectError);
        logger.error(line, "call");
      } else {
        logger.info(line, "call");
      }
    };
    try {
      const res = await next(req);
      res.header.set(requestIdHeader, requestId);
      if (!res.stream) {
        finish(undefined);
        return res;
      }
      return { ...res, message: logStreamEnd(res.message, finish) };
    } catch (error) {
      const connectError = ConnectError.from(error);
      connectError.metadata.set(requestIdHeader, requestId);
      finish(connectError);
      throw connectError;
    }
  };
}

/** Derives the protocol from a request's content type. */
export function protocolOf(contentType: string | null): CallProtocol {
  const type = (contentType ?? "").toLowerCase();
  if (type.startsWith("application/grpc-web")) {
    return "grpc-web";
  }
  if (type.startsWith("application/grpc")) {
    return "grpc";
  }
  return "connect";
}

async function* logStreamEnd<T>(
  messages: AsyncIterable<T>,
  finish: (error: unknown) => void,
): AsyncIterable<T> {
  // A client that goes away ends the loop without an error; the line then
  // says Canceled rather than nothing at all.
  let outcome: unknown = new ConnectError("stream ended", Code.Canceled);
  try {
    yield* messages;
    outcome = undefined;
  } catch (error) {
    outcome = error;
    throw error;
  } finally {
    finish(outcome);
  }
}

// The log gets the stack of what really failed; ConnectError wraps it.
function describeCause(error: ConnectError): Record<string, unknown> {
  const cause = error.cause;
  if (cause instanceof Error) {
    return { type: cause.name, message: cause.message, stack: cause.stack };
  }
  if (cause !== undefined) {
    return { message: String(cause) };
  }
  return { message: error.rawMessage, stack: error.stack };
}
