import { create, type DescMethodUnary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createHandlerContext,
  type ContextValues,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
} from "@connectrpc/connect";
import {
  createMethodSerializationLookup,
  invokeUnaryImplementation,
  type UniversalHandler,
  type UniversalServerRequest,
} from "@connectrpc/connect/protocol";
import {
  parseTimeout,
  setTrailerStatus,
} from "@connectrpc/connect/protocol-grpc";
import {
  universalResponseToNodeResponse,
  type connectNodeAdapter,
} from "@connectrpc/connect-node";
import type * as http2 from "node:http2";
import { authProbeKey, type AuthProbe } from "../auth/auth-probe.js";

type NodeHandler = ReturnType<typeof connectNodeAdapter>;
type NodeRequest = Parameters<NodeHandler>[0];
type NodeResponse = Parameters<NodeHandler>[1];

/** Options of `createGrpcUnaryPath`. */
export interface GrpcUnaryPathOptions {
  /** The unary methods the router serves, with their implementations. */
  readonly specs: readonly MethodImplSpec[];
  /** The router's handlers (interceptors applied), for the slow cases. */
  readonly handlers: readonly UniversalHandler[];
  /** The router's interceptors, outermost first. */
  readonly interceptors: readonly Interceptor[];
  readonly readMaxBytes: number;
  readonly contextValues: (req: http2.Http2ServerRequest) => ContextValues;
}

/**
 * Answers `true` when it took the request; `false` leaves it untouched for
 * the Connect adapter.
 */
export type GrpcUnaryPath = (req: NodeRequest, res: NodeResponse) => boolean;

// Exactly what Connect's gRPC handler answers with for binary requests.
const binaryContentTypes = new Set([
  "application/grpc",
  "application/grpc+proto",
]);
const responseContentType = "application/grpc+proto";

/** One unary method: its implementation, codec and Connect's handler. */
interface Route {
  readonly spec: MethodImplSpec;
  readonly stock: UniversalHandler | undefined;
  parse(bytes: Uint8Array): unknown;
  serialize(message: unknown): Uint8Array;
}

/**
 * A leaner transport for the most common call: a unary gRPC request over
 * HTTP/2 with one uncompressed protobuf message. Connect's gRPC handler
 * runs every call, unary or not, through a chain of async iterables and
 * aborts a signal (building a DOMException) on every request; this path
 * reads the body into one buffer and calls the same
 * `invokeUnaryImplementation` with the same interceptors and handler
 * context, so auth, logging, error mapping and executions behave exactly
 * as on every other protocol. Anything else (JSON, compression, streams,
 * HTTP/1.1, gRPC-web, Connect, a body that is not exactly one envelope) is
 * left to, or handed back to, Connect's own handler for that path.
 * Undecodable bytes answer InvalidArgument like `withParseErrorCode`; a
 * body over `readMaxBytes` answers ResourceExhausted.
 */
export function createGrpcUnaryPath(
  options: GrpcUnaryPathOptions,
): GrpcUnaryPath {
  const routes = new Map<string, Route>();
  for (const spec of options.specs) {
    if (spec.kind !== "unary") {
      continue;
    }
    const path = `/${spec.method.parent.typeName}/${spec.method.name}`;
    const serialization = createMethodSerializationLookup(
      spec.method as DescMethodUnary,
      undefined,
      undefined,
      { readMaxBytes: options.readMaxBytes, writeMaxBytes: 0xffffffff },
    );
    routes.set(path, {
      spec,
      stock: options.handlers.find(
        (h) => h.requestPath === path && h.protocolNames.includes("grpc"),
      ),
      parse: (bytes) => serialization.getI(true).parse(bytes),
      serialize: (message) =>
        serialization.getO(true).serialize(message as never),
    });
  }
  const interceptors = [...options.interceptors];

  return (req, res) => {
    if (req.httpVersionMajor !== 2 || req.method !== "POST") {
      return false;
    }
    const h2req = req as http2.Http2ServerRequest;
    const headers = h2req.headers;
    const contentType = headers["content-type"];
    if (contentType === undefined || !binaryContentTypes.has(contentType)) {
      return false;
    }
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") {
      return false;
    }
    const route = routes.get(h2req.url);
    if (route === undefined || route.stock === undefined) {
      return false;
    }
    const timeout = parseTimeout(
      headerValue(headers["grpc-timeout"]),
      Number.MAX_SAFE_INTEGER,
    );
    if (timeout.error !== undefined) {
      return false;
    }
    const h2res = res as unknown as http2.Http2ServerResponse;
    readBody(h2req, options.readMaxBytes).then(
      (body) => {
        if (body === undefined) {
          void refuse(
            route,
            h2req,
            h2res,
            new ConnectError(
              "message is larger than configured readMaxBytes " +
                String(options.readMaxBytes),
              Code.ResourceExhausted,
            ),
            { interceptors, options },
          );
          return;
        }
        const message = singleMessage(body);
        if (message === undefined) {
          // Empty, several or compressed envelopes: Connect knows what to
          // answer for each.
          void runStock(route.stock!, h2req, h2res, body, options);
          return;
        }
        void runUnary(route, h2req, h2res, message, {
          timeoutMs: timeout.timeoutMs,
          interceptors,
          options,
        });
      },
      () => h2res.destroy(),
    );
    return true;
  };
}

async function runUnary(
  route: Route,
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  bytes: Uint8Array,
  call: {
    readonly timeoutMs: number | undefined;
    readonly interceptors: Interceptor[];
    readonly options: GrpcUnaryPathOptions;
  },
): Promise<void> {
  const { spec } = route;
  const { timeoutMs, interceptors, options } = call;
  const signal = requestSignal(req, res);
  const url = urlOf(req);
  const requestHeader = webHeaders(req.headers);
  const values = options.contextValues(req);
  // Connect's createHandlerContext copies every Headers object and links
  // two more abort signals; without a deadline none of that is needed, so
  // the context is built here with the same fields.
  const context: HandlerContextController =
    timeoutMs === undefined
      ? {
          method: spec.method,
          service: spec.method.parent,
          requestMethod: "POST",
          protocolName: "grpc",
          url,
          signal,
          timeoutMs: noTimeout,
          requestHeader,
          responseHeader: new Headers({ "content-type": responseContentType }),
          responseTrailer: new Headers({ "grpc-status": "0" }),
          values,
          abort: noAbort,
        }
      : createHandlerContext({
          ...spec,
          service: spec.method.parent,
          requestMethod: "POST",
          protocolName: "grpc",
          timeoutMs,
          requestSignal: signal,
          requestHeader,
          url,
          responseHeader: { "content-type": responseContentType },
          responseTrailer: { "grpc-status": "0" },
          contextValues: values,
        });
  let input: unknown;
  try {
    input = route.parse(bytes);
  } catch (error) {
    // Bytes that do not decode: InvalidArgument, as `withParseErrorCode`
    // makes of Connect's "parse binary" Internal. A message over
    // readMaxBytes keeps its ResourceExhausted.
    const cause = ConnectError.from(error);
    finishContext(context, timeoutMs);
    await refuse(
      route,
      req,
      res,
      cause.code === Code.Internal
        ? new ConnectError(cause.rawMessage, Code.InvalidArgument)
        : cause,
      call,
    );
    return;
  }
  let frame: Buffer;
  try {
    const output = await invokeUnaryImplementation(
      spec as MethodImplSpec & { kind: "unary" },
      context,
      input as never,
      interceptors,
    );
    frame = envelope(route.serialize(output));
  } catch (error) {
    finishContext(context, timeoutMs);
    writeError(
      res,
      context.responseHeader,
      error instanceof ConnectError
        ? error
        : new ConnectError(
            "internal error",
            Code.Internal,
            undefined,
            undefined,
            error,
          ),
      context.responseTrailer,
    );
    return;
  }
  finishContext(context, timeoutMs);
  if (res.destroyed || res.writableEnded) {
    return;
  }
  res.writeHead(200, headerObject(context.responseHeader));
  res.addTrailers(headerObject(context.responseTrailer));
  res.end(frame);
}

/**
 * Answers a request refused before the interceptors (too large, bytes that
 * do not decode) as the other protocols do (see refusal-probe.ts): the
 * chain runs once with an empty message and an auth probe; a rejected
 * caller gets that rejection, anyone else the refusal.
 */
async function refuse(
  route: Route,
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  refusal: ConnectError,
  call: {
    readonly interceptors: Interceptor[];
    readonly options: GrpcUnaryPathOptions;
  },
): Promise<void> {
  const { spec } = route;
  const probe: AuthProbe = { passed: false };
  const context = createHandlerContext({
    ...spec,
    service: spec.method.parent,
    requestMethod: "POST",
    protocolName: "grpc",
    timeoutMs: undefined,
    requestSignal: requestSignal(req, res),
    requestHeader: webHeaders(req.headers),
    url: urlOf(req),
    responseHeader: { "content-type": responseContentType },
    contextValues: call.options.contextValues(req).set(authProbeKey, probe),
  });
  let answer = refusal;
  try {
    await invokeUnaryImplementation(
      spec as MethodImplSpec & { kind: "unary" },
      context,
      create(spec.method.input) as never,
      call.interceptors,
    );
  } catch (error) {
    if (!probe.passed) {
      answer = ConnectError.from(error);
    }
  }
  context.abort();
  writeError(
    res,
    probe.passed
      ? new Headers({ "content-type": responseContentType })
      : context.responseHeader,
    answer,
    probe.passed ? undefined : context.responseTrailer,
  );
}

type HandlerContextController = HandlerContext & {
  abort(reason?: unknown): void;
};

const noTimeout = () => undefined;
const noAbort = () => {};

// A deadline has a timer that must go; without one nothing holds on to the
// context, and aborting it would only build an exception nobody reads.
function finishContext(
  context: { abort(reason?: unknown): void },
  timeoutMs: number | undefined,
): void {
  if (timeoutMs !== undefined) {
    context.abort();
  }
}

function writeError(
  res: http2.Http2ServerResponse,
  header: Headers,
  error: ConnectError,
  trailer: Headers = new Headers(),
): void {
  if (res.destroyed || res.writableEnded) {
    return;
  }
  trailer.delete("grpc-status");
  setTrailerStatus(trailer, error);
  res.writeHead(200, headerObject(header));
  res.addTrailers(headerObject(trailer));
  res.end();
}

// Aborted only when the client goes away before the answer is complete.
function requestSignal(
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
): AbortSignal {
  const controller = new AbortController();
  req.once("close", () => {
    if (!res.writableEnded) {
      controller.abort(
        new ConnectError("operation was aborted", Code.Canceled),
      );
    }
  });
  return controller.signal;
}

function readBody(
  req: http2.Http2ServerRequest,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      // The envelope prefix is not part of the message.
      if (length > maxBytes + 5) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () =>
      resolve(
        tooLarge
          ? undefined
          : chunks.length === 1
            ? chunks[0]!
            : Buffer.concat(chunks, length),
      ),
    );
    req.once("error", reject);
  });
}

// The message of a body that is exactly one uncompressed envelope.
function singleMessage(body: Uint8Array): Uint8Array | undefined {
  if (body.length < 5 || body[0] !== 0) {
    return undefined;
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const length = view.getUint32(1);
  return length === body.length - 5 ? body.subarray(5) : undefined;
}

function envelope(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

async function runStock(
  handler: UniversalHandler,
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  body: Uint8Array,
  options: GrpcUnaryPathOptions,
): Promise<void> {
  const request: UniversalServerRequest = {
    httpVersion: "2.0",
    method: "POST",
    url: urlOf(req),
    header: webHeaders(req.headers),
    body: (async function* () {
      yield body;
    })(),
    signal: requestSignal(req, res),
    contextValues: options.contextValues(req),
  };
  try {
    await universalResponseToNodeResponse(await handler(request), res);
  } catch {
    res.destroy();
  }
}

function urlOf(req: http2.Http2ServerRequest): string {
  const encrypted =
    "encrypted" in req.socket && req.socket.encrypted === true;
  return `${encrypted ? "https" : "http"}://${req.authority}${req.url}`;
}

function webHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const result = new Headers();
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ":" */) {
      continue;
    }
    const value = headers[name];
    if (typeof value === "string") {
      result.append(name, value);
    } else if (Array.isArray(value)) {
      for (const item of value) {
        result.append(name, item);
      }
    }
  }
  return result;
}

function headerObject(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name] = value;
  });
  return result;
}

function headerValue(value: string | string[] | undefined): string | null {
  return typeof value === "string" ? value : null;
}
