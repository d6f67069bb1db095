import {
  createContextValues,
  createServiceImplSpec,
  type ConnectRouter,
  type ContextValues,
  type Interceptor,
  type MethodImplSpec,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { endProbes, probesEndKey } from "../auth/auth-probe.js";
import { requestHostKey } from "../auth/caller.js";
import {
  callLogMarkKey,
  type CallLogMark,
} from "../logging/request-log-interceptor.js";
import { createGrpcUnaryPath } from "./grpc-unary-path.js";
import { withParseErrorCode } from "./parse-error-code.js";
import { withRefusalProbe } from "./refusal-probe.js";

/** A Node request handler for HTTP/1.1 and HTTP/2, as Connect makes it. */
export type NodeHandlerFn = ReturnType<typeof connectNodeAdapter>;

/** The request a NodeHandlerFn takes. */
export type NodeServerRequest = Parameters<NodeHandlerFn>[0];

/** What a layer in front of the router (REST) needs to call into it. */
export interface RpcApi {
  /**
   * Every handler the router serves, interceptors applied; the REST layer
   * calls these so that its calls run the same chain.
   */
  readonly handlers: readonly UniversalHandler[];
  /** The context values every call starts with (the request host). */
  readonly contextValues: (req: NodeServerRequest) => ContextValues;
}

/** Options of `createRpcHandler`. */
export interface RpcHandlerOptions {
  /** Registers the services on the router. */
  readonly routes: (router: ConnectRouter) => void;
  /** Outermost first. */
  readonly interceptors: readonly Interceptor[];
  /** Largest accepted message; default 4 MiB. Larger: ResourceExhausted. */
  readonly readMaxBytes?: number;
  /**
   * Builds the handler for paths no RPC matches, given the router's API;
   * default: 404.
   */
  readonly fallback?: (api: RpcApi) => NodeHandlerFn;
  /**
   * Called first for every request; the mark it answers is in the call's
   * context values (`callLogMarkKey`), for the request log to set.
   */
  readonly markRequest?: (
    req: NodeServerRequest,
    res: Parameters<NodeHandlerFn>[1],
  ) => CallLogMark;
}

/** The Node handler for Connect, gRPC and gRPC-web plus its API. */
export interface RpcHandler extends RpcApi {
  readonly handler: NodeHandlerFn;
}

/**
 * Creates the Connect adapter for all RPC protocols. Each call's context
 * values carry the request's host (`:authority`, else `Host`) under
 * `requestHostKey`. Undecodable protobuf bytes answer InvalidArgument (see
 * `withParseErrorCode`), after authorization like every request refused
 * before the interceptors (see `withRefusalProbe`). Unary gRPC calls over
 * HTTP/2 take a leaner path through the same interceptors and
 * implementations (see `createGrpcUnaryPath`); every other call goes
 * through Connect's adapter.
 */
export function createRpcHandler(options: RpcHandlerOptions): RpcHandler {
  const marks = new WeakMap<NodeServerRequest, CallLogMark>();
  // Refused requests are probed for authorization (see auth-probe.ts); the
  // innermost interceptor makes sure no probe reaches a handler.
  const interceptors = [...options.interceptors, endProbes];
  const contextValues = (req: NodeServerRequest): ContextValues => {
    const authority = req.headers[":authority"];
    const host =
      (typeof authority === "string" ? authority : undefined) ??
      req.headers.host ??
      "";
    return createContextValues()
      .set(requestHostKey, host)
      .set(callLogMarkKey, marks.get(req))
      .set(probesEndKey, true);
  };
  let router: ConnectRouter | undefined;
  // The lean gRPC path needs the implementations, which the router keeps
  // to itself; so `service` is watched on the way in.
  const specs: MethodImplSpec[] = [];
  // The fallback needs the router's handlers, which exist only once the
  // adapter has run `routes`; so it is bound right after.
  let fallback: NodeHandlerFn | undefined;
  const stock = connectNodeAdapter({
    routes: (r) => {
      router = r;
      options.routes(recordingRouter(r, specs));
      // The adapter reads the handlers once routes returns, so replacing
      // them here puts the wrapper on every path.
      r.handlers.splice(
        0,
        r.handlers.length,
        ...r.handlers.map((h) => withRefusalProbe(withParseErrorCode(h))),
      );
    },
    interceptors,
    readMaxBytes: options.readMaxBytes ?? 4 * 1024 * 1024,
    // Connect's server default ignores unknown JSON fields; the contract
    // rejects them (a typo must not pass silently).
    jsonOptions: { ignoreUnknownFields: false },
    contextValues,
    fallback: (req, res) => {
      if (fallback !== undefined) {
        fallback(req, res);
        return;
      }
      res.writeHead(404);
      res.end();
    },
  });
  const handlers = router!.handlers;
  fallback = options.fallback?.({ handlers, contextValues });
  const unary = createGrpcUnaryPath({
    specs,
    handlers,
    interceptors,
    readMaxBytes: options.readMaxBytes ?? 4 * 1024 * 1024,
    contextValues,
  });
  const handler: NodeHandlerFn = (req, res) => {
    if (options.markRequest !== undefined) {
      marks.set(req, options.markRequest(req, res));
    }
    if (!unary(req, res)) {
      stock(req, res);
    }
  };
  return { handler, handlers, contextValues };
}

// A router that records the implementation specs of whole services it is
// given; services with their own options stay with Connect alone.
function recordingRouter(
  router: ConnectRouter,
  specs: MethodImplSpec[],
): ConnectRouter {
  const recording: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service, implementation, serviceOptions) {
      router.service(service, implementation, serviceOptions);
      if (serviceOptions === undefined) {
        specs.push(
          ...Object.values(
            createServiceImplSpec(service, implementation).methods,
          ),
        );
      }
      return recording;
    },
    rpc(method, implementation, rpcOptions) {
      router.rpc(method, implementation, rpcOptions);
      return recording;
    },
  };
  return recording;
}
