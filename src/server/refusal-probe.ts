import type { JsonValue } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import {
  authProbeKey,
  probesEndKey,
  type AuthProbe,
} from "../auth/auth-probe.js";
import { callLogMarkKey } from "../logging/request-log-interceptor.js";
import { withHandlerShape } from "./handler-shape.js";

/**
 * Wraps a unary universal handler so that a request Connect refuses before
 * the interceptors run (a body that does not decode, one over the size
 * limit) meets authorization first: the handler runs once more with an
 * empty message of the same codec and an auth probe (see auth-probe.ts).
 * When the probe passes, the original refusal is answered; when the
 * caller is rejected, that rejection is, encoded by Connect for the
 * protocol at hand. Calls that reached the interceptors are answered as
 * they are, so this costs nothing on the way of a normal call.
 *
 * Whether the chain ran is read from the request-log mark
 * (`callLogMarkKey`); only calls whose chain ends every probe
 * (`probesEndKey`, set by `createRpcHandler`) are probed, else the handler
 * is left as it is. Streaming methods are left as they are:
 * none of them needs authorization here (health, reflection).
 */
export function withRefusalProbe(handler: UniversalHandler): UniversalHandler {
  if (handler.method.methodKind !== "unary") {
    return handler;
  }
  const wrapped = async (
    req: UniversalServerRequest,
  ): Promise<UniversalServerResponse> => {
    const answered = await handler(req);
    const mark = req.contextValues?.get(callLogMarkKey);
    if (
      mark === undefined ||
      mark.logged ||
      req.contextValues?.get(probesEndKey) !== true
    ) {
      return answered;
    }
    const body = emptyMessageBody(req);
    if (body === undefined) {
      return answered;
    }
    const probe: AuthProbe = { passed: false };
    const contextValues = req.contextValues ?? createContextValues();
    contextValues.set(authProbeKey, probe);
    const header = new Headers(req.header);
    for (const name of framingHeaders) {
      header.delete(name);
    }
    const rejected = await handler({ ...req, header, body, contextValues });
    if (probe.passed) {
      await drain(rejected.body);
      return answered;
    }
    await drain(answered.body);
    return rejected;
  };
  return withHandlerShape(wrapped, handler);
}

// Headers about the body or the deadline, which Connect checks before the
// interceptors; the probe's body is plain, and a bad one of these must not
// refuse the probe as well.
const framingHeaders = [
  "content-encoding",
  "content-length",
  "connect-content-encoding",
  "connect-timeout-ms",
  "grpc-encoding",
  "grpc-timeout",
];

// One empty message framed as the request's content type asks; undefined
// for what no unary protocol here reads (Connect rejects it by itself).
function emptyMessageBody(
  req: UniversalServerRequest,
): AsyncIterable<Uint8Array> | JsonValue | undefined {
  if (req.method !== "POST") {
    return undefined;
  }
  const type = (req.header.get("content-type") ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  switch (type) {
    case "application/json":
      return {};
    case "application/proto":
      return chunks();
    case "application/grpc":
    case "application/grpc+proto":
    case "application/grpc-web":
    case "application/grpc-web+proto":
      return chunks(envelope(new Uint8Array(0)));
    case "application/grpc+json":
    case "application/grpc-web+json":
      return chunks(envelope(new TextEncoder().encode("{}")));
    default:
      return undefined;
  }
}

function envelope(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(5 + message.length);
  new DataView(framed.buffer).setUint32(1, message.length);
  framed.set(message, 5);
  return framed;
}

async function* chunks(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}

async function drain(body: AsyncIterable<Uint8Array> | undefined) {
  if (body === undefined) {
    return;
  }
  for await (const _chunk of body) {
    // Read to the end, so the response's resources are released.
  }
}
