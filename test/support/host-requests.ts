import http from "node:http";
import http2 from "node:http2";
import type { LookupFunction } from "node:net";
import * as grpc from "@grpc/grpc-js";
import {
  createClient,
  type Client,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import {
  grpcCredentials,
  loadGrpcPackage,
  type GrpcPackage,
  type TransportKind,
} from "./clients.js";

// Tests name instances by made-up domains (tenant-b.test) that no resolver
// knows; every name goes to loopback instead, so the client still sends
// that name as Host or :authority.
const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  const address = { address: "127.0.0.1", family: 4 };
  if (typeof options === "object" && options.all === true) {
    (callback as (e: null, a: (typeof address)[]) => void)(null, [address]);
  } else {
    callback(null, address.address, address.family);
  }
};

/**
 * An ActionService client over a connect-node transport of `kind` that
 * connects to 127.0.0.1:`port` but names `host` in its URL, so the server
 * sees `host:port` as Host or :authority. Sends `Authorization: Bearer
 * <token>` unless `token` is "".
 */
export function createHostClient(
  host: string,
  port: number,
  kind: TransportKind,
  token: string,
): Client<typeof ActionService> {
  return createClient(
    ActionService,
    createHostTransport(host, port, kind, token),
  );
}

/** The transport of `createHostClient`, for other services (Health). */
export function createHostTransport(
  host: string,
  port: number,
  kind: TransportKind,
  token: string,
): Transport {
  const baseUrl = `http://${host}:${port}`;
  const interceptors: Interceptor[] = [
    (next) => (req) => {
      if (token !== "") {
        req.header.set("authorization", `Bearer ${token}`);
      }
      return next(req);
    },
  ];
  const nodeOptions = { lookup: loopbackLookup };
  const httpVersion = kind.endsWith("-2") ? "2" : "1.1";
  const useBinaryFormat = kind.includes("binary");
  if (kind === "grpc") {
    return createGrpcTransport({ baseUrl, interceptors, nodeOptions });
  }
  if (kind.startsWith("connect-")) {
    return createConnectTransport({
      baseUrl,
      httpVersion,
      useBinaryFormat,
      interceptors,
      nodeOptions,
    });
  }
  return createGrpcWebTransport({
    baseUrl,
    httpVersion,
    useBinaryFormat,
    interceptors,
    nodeOptions,
  });
}

/**
 * A grpc-js ActionService client (our .proto files via proto-loader) to
 * 127.0.0.1:`port`, sending `authority` as :authority when given. Close
 * it after use.
 */
export function createGrpcJsClient(
  port: number,
  authority?: string,
  pkg: GrpcPackage = loadGrpcPackage(),
): grpc.Client {
  const options =
    authority === undefined ? {} : { "grpc.default_authority": authority };
  const Client = pkg.zitadel.action.v3alpha.ActionService;
  return new Client(`127.0.0.1:${port}`, grpcCredentials(), options);
}

/** grpc-js metadata carrying `Authorization: Bearer <token>`, if any. */
export function bearerMetadata(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== "") {
    metadata.set("authorization", `Bearer ${token}`);
  }
  return metadata;
}

/** A plain HTTP answer of `http1Request` or `http2Request`. */
export interface HostAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or undefined for an empty one. */
  readonly json: unknown;
}

/** A request of `http1Request` or `http2Request`. */
export interface HostRequest {
  readonly port: number;
  /** Sent as Host (HTTP/1.1) or :authority (HTTP/2), e.g. "x.test:80". */
  readonly host: string;
  readonly method: string;
  readonly path: string;
  /** Bearer token; none when undefined or "". */
  readonly token?: string;
  /** Sent as JSON with content-type application/json. */
  readonly body?: unknown;
  /** Default 10000 ms. */
  readonly timeoutMs?: number;
}

/**
 * One HTTP/1.1 request to 127.0.0.1 with an explicit Host header (fetch
 * forbids setting it). Rejects on a network error or timeout.
 */
export function http1Request(request: HostRequest): Promise<HostAnswer> {
  const body = encodeBody(request.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: request.port,
        method: request.method,
        path: request.path,
        headers: { ...requestHeaders(request, body), host: request.host },
        timeout: request.timeoutMs ?? 10_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: text === "" ? undefined : JSON.parse(text),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("HTTP/1.1 timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * One HTTP/2 (h2c) request over a fresh session to 127.0.0.1 with an
 * explicit :authority. Rejects on a network error or timeout.
 */
export function http2Request(request: HostRequest): Promise<HostAnswer> {
  const body = encodeBody(request.body);
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${request.port}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error("HTTP/2 timed out"));
    }, request.timeoutMs ?? 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      session.destroy();
      reject(error);
    };
    session.once("error", fail);
    const stream = session.request({
      ":method": request.method,
      ":path": request.path,
      ":authority": request.host,
      ...requestHeaders(request, body),
    });
    let headers: http2.IncomingHttpHeaders = {};
    let text = "";
    stream.setEncoding("utf8");
    stream.on("response", (h) => (headers = h));
    stream.on("data", (chunk: string) => (text += chunk));
    stream.on("error", fail);
    stream.on("end", () => {
      clearTimeout(timer);
      session.close();
      try {
        resolve({
          status: Number(headers[":status"]),
          headers,
          json: text === "" ? undefined : JSON.parse(text),
        });
      } catch (error) {
        reject(error as Error);
      }
    });
    stream.end(body);
  });
}

/**
 * A Connect unary JSON call of an ActionService RPC over raw HTTP/2 with
 * the given :authority. Connect answers errors as `{code: "not_found"}`.
 */
export function connectJsonCall(
  port: number,
  authority: string,
  rpc: string,
  token: string,
  body: unknown = {},
): Promise<HostAnswer> {
  return http2Request({
    port,
    host: authority,
    method: "POST",
    path: `/zitadel.action.v3alpha.ActionService/${rpc}`,
    token,
    body,
  });
}

function encodeBody(body: unknown): string | undefined {
  return body === undefined ? undefined : JSON.stringify(body);
}

function requestHeaders(
  request: HostRequest,
  body: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request.token !== undefined && request.token !== "") {
    headers.authorization = `Bearer ${request.token}`;
  }
  if (body !== undefined) {
    headers["content-type"] = "application/json";
  }
  return headers;
}
