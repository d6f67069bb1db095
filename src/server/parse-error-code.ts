import { Code } from "@connectrpc/connect";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { withHandlerShape } from "./handler-shape.js";

// Connect reports protobuf bytes that do not decode as Internal ("parse
// binary: ..."), before any interceptor runs; JSON that does not decode is
// InvalidArgument. The contract wants InvalidArgument for both, so this
// rewrites exactly that one error in the response, on every protocol.
const parseBinaryPrefix = "parse binary";

/**
 * Wraps a universal handler so that a request whose protobuf bytes do not
 * decode answers InvalidArgument instead of Internal: the Connect unary
 * error body and HTTP status, the Connect end-stream message, the gRPC
 * status (header or trailer) and the gRPC-web trailer frame. Every other
 * response passes unchanged. The handler's properties (path, method, ...)
 * are kept, so it can replace the original in a router.
 */
export function withParseErrorCode(
  handler: UniversalHandler,
): UniversalHandler {
  const wrapped = async (
    req: UniversalServerRequest,
  ): Promise<UniversalServerResponse> => {
    const res = await handler(req);
    if (res.header !== undefined) {
      fixGrpcStatus(res.header);
    }
    if (res.body === undefined) {
      if (res.trailer !== undefined) {
        fixGrpcStatus(res.trailer);
      }
      return res;
    }
    // A Connect unary error is a small JSON body with an HTTP error status.
    if (res.status === 500) {
      const bytes = await collect(res.body);
      const fixed = fixConnectUnary(bytes);
      if (fixed === undefined) {
        return { ...res, body: once(bytes) };
      }
      const header = new Headers(res.header);
      header.set("content-length", String(fixed.length));
      return { ...res, status: 400, header, body: once(fixed) };
    }
    return { ...res, body: fixStream(res.body, res.trailer) };
  };
  return withHandlerShape(wrapped, handler);
}

function isParseError(message: unknown): boolean {
  return typeof message === "string" && message.startsWith(parseBinaryPrefix);
}

function fixGrpcStatus(headers: Headers): void {
  const message = headers.get("grpc-message");
  if (headers.get("grpc-status") !== String(Code.Internal) || !message) {
    return;
  }
  if (isParseError(safeDecode(message))) {
    headers.set("grpc-status", String(Code.InvalidArgument));
  }
}

function fixConnectUnary(body: Uint8Array): Uint8Array | undefined {
  try {
    const error = JSON.parse(new TextDecoder().decode(body)) as {
      code?: string;
      message?: string;
    };
    if (error.code === "internal" && isParseError(error.message)) {
      error.code = "invalid_argument";
      return new TextEncoder().encode(JSON.stringify(error));
    }
  } catch {
    // Not a Connect error body.
  }
  return undefined;
}

async function* fixStream(
  body: AsyncIterable<Uint8Array>,
  trailer: Headers | undefined,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    yield fixEnvelope(chunk);
  }
  // gRPC writes its status into the trailer once the body is done.
  if (trailer !== undefined) {
    fixGrpcStatus(trailer);
  }
}

// A gRPC-web trailer frame (flag 0x80) or a Connect end-stream message
// (flag 0x02) that holds the parse error gets the right code.
function fixEnvelope(chunk: Uint8Array): Uint8Array {
  if (chunk.length < 5 || (chunk[0]! & 0x82) === 0) {
    return chunk;
  }
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (view.getUint32(1) !== chunk.length - 5) {
    return chunk;
  }
  const text = new TextDecoder().decode(chunk.subarray(5));
  let fixed: string | undefined;
  if (chunk[0]! & 0x80) {
    const message = /grpc-message:\s*([^\r\n]*)/i.exec(text)?.[1] ?? "";
    const internal = /grpc-status:\s*13\b/i;
    if (internal.test(text) && isParseError(safeDecode(message))) {
      fixed = text.replace(internal, `grpc-status: ${Code.InvalidArgument}`);
    }
  } else {
    try {
      const end = JSON.parse(text) as {
        error?: { code?: string; message?: string };
      };
      if (end.error?.code === "internal" && isParseError(end.error.message)) {
        end.error.code = "invalid_argument";
        fixed = JSON.stringify(end);
      }
    } catch {
      // Not an end-stream message.
    }
  }
  if (fixed === undefined) {
    return chunk;
  }
  const data = new TextEncoder().encode(fixed);
  const out = new Uint8Array(5 + data.length);
  out[0] = chunk[0]!;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
