import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import {
  Code,
  ConnectError,
  createConnectRouter,
  type ConnectRouter,
  type Interceptor,
  type ServiceImpl,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { PathTestService } from "../../gen/actionsd/testing/v1/path_test_service_pb.js";
import { ErrorDetailSchema } from "../../gen/zitadel/v1/error_detail_pb.js";
import { callProtocolKey } from "../../src/logging/request-log-interceptor.js";
import { createRestHandler } from "../../src/rest/rest-handler.js";

/** What the interceptor saw of one call. */
export interface SeenCall {
  readonly procedure: string;
  readonly protocol: string | undefined;
  readonly header: Headers;
}

/** The test service on node:http and node:http2 (cleartext) servers. */
export interface PathTestServers {
  /** "http://127.0.0.1:<port>" of the HTTP/1.1 server. */
  readonly http1Url: string;
  /** "http://127.0.0.1:<port>" of the HTTP/2 (h2c) server. */
  readonly http2Url: string;
  /** Every call that reached the interceptor chain, in order. */
  readonly calls: SeenCall[];
  close(): Promise<void>;
}

const impl: ServiceImpl<typeof PathTestService> = {
  echo: (request) => ({ request }),
  getBook: ({ name }) => ({ name }),
  getFile: ({ path }) => ({ path }),
  cancelOperation: ({ name, reason }) => ({ name, reason }),
  createItem: ({ parent, item }) => ({ item, note: `created in ${parent}` }),
  fail: ({ code }) => {
    throw new ConnectError("failed on purpose", code as Code, undefined, [
      {
        desc: ErrorDetailSchema,
        value: { id: "TEST-1", message: "Errors.Test" },
      },
    ]);
  },
  hidden: () => ({}),
  async *watch() {},
};

/**
 * Starts the PathTestService the way the real server is wired: a Connect
 * router whose handlers also back the REST fallback. An interceptor stands
 * in for authentication: no Authorization header is Unauthenticated, an
 * `x-deny` header PermissionDenied.
 */
export async function startPathTestServers(
  options: { readMaxBytes?: number } = {},
): Promise<PathTestServers> {
  const calls: SeenCall[] = [];
  const guard: Interceptor = (next) => async (req) => {
    calls.push({
      procedure: `/${req.service.typeName}/${req.method.name}`,
      protocol: req.contextValues.get(callProtocolKey),
      header: new Headers(req.header),
    });
    if (!req.header.has("authorization")) {
      throw new ConnectError("no token", Code.Unauthenticated);
    }
    if (req.header.has("x-deny")) {
      throw new ConnectError("denied", Code.PermissionDenied);
    }
    return next(req);
  };
  const routes = (router: ConnectRouter) =>
    router.service(PathTestService, impl);
  const router = createConnectRouter({ interceptors: [guard] });
  routes(router);
  const handler = connectNodeAdapter({
    routes,
    interceptors: [guard],
    fallback: createRestHandler({
      handlers: router.handlers,
      readMaxBytes: options.readMaxBytes,
    }),
  });
  const server1 = http.createServer(handler);
  const server2 = http2.createServer(handler);
  await Promise.all(
    [server1, server2].map(
      (s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve)),
    ),
  );
  const url = (s: http.Server | http2.Http2Server) =>
    `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    http1Url: url(server1),
    http2Url: url(server2),
    calls,
    async close() {
      server1.closeAllConnections();
      await Promise.all(
        [server1, server2].map(
          (s) => new Promise<void>((resolve) => s.close(() => resolve())),
        ),
      );
    },
  };
}

/** An answer of `http2Request`. */
export interface Http2Answer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
}

/** One request over a fresh HTTP/2 session, bounded by `timeoutMs`. */
export function http2Request(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  timeoutMs = 5000,
): Promise<Http2Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`HTTP/2 ${method} ${path} timed out`));
    }, timeoutMs);
    session.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const stream = session.request({
      ":method": method,
      ":path": path,
      ...headers,
    });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let text = "";
    stream.setEncoding("utf8");
    stream.on("response", (h) => {
      responseHeaders = h;
    });
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("end", () => {
      clearTimeout(timer);
      session.close();
      resolve({
        status: Number(responseHeaders[":status"]),
        headers: responseHeaders,
        body: text,
      });
    });
    stream.on("error", (e) => {
      clearTimeout(timer);
      session.destroy();
      reject(e);
    });
    stream.end(body);
  });
}
