import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
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
import { distRoot } from "./start-server.js";

/** What the client factories need to know about a server. */
export interface ServerAddress {
  readonly baseUrl: string;
  readonly port: number;
  readonly adminToken: string;
}

/** The transports of connect-node, by name, for table-driven tests. */
export type TransportKind =
  | "connect-json-1.1"
  | "connect-binary-1.1"
  | "connect-json-2"
  | "connect-binary-2"
  | "grpc"
  | "grpc-web-binary-1.1"
  | "grpc-web-json-1.1"
  | "grpc-web-binary-2"
  | "grpc-web-json-2";

/** Every transport kind, for loops. */
export const transportKinds: readonly TransportKind[] = [
  "connect-json-1.1",
  "connect-binary-1.1",
  "connect-json-2",
  "connect-binary-2",
  "grpc",
  "grpc-web-binary-1.1",
  "grpc-web-json-1.1",
  "grpc-web-binary-2",
  "grpc-web-json-2",
];

/** Headers every test call sends: the admin token when there is one. */
export function authHeaders(server: ServerAddress): Record<string, string> {
  return server.adminToken === ""
    ? {}
    : { authorization: `Bearer ${server.adminToken}` };
}

/** An interceptor that adds `authHeaders`. */
export function authInterceptor(server: ServerAddress): Interceptor {
  return (next) => (req) => {
    for (const [name, value] of Object.entries(authHeaders(server))) {
      req.header.set(name, value);
    }
    return next(req);
  };
}

/** A connect-node transport of the given kind, with the admin token. */
export function createTransport(
  server: ServerAddress,
  kind: TransportKind,
  tlsCa?: string,
): Transport {
  const interceptors = [authInterceptor(server)];
  const nodeOptions = tlsCa === undefined ? undefined : { ca: tlsCa };
  const baseUrl = server.baseUrl;
  switch (kind) {
    case "connect-json-1.1":
    case "connect-binary-1.1":
    case "connect-json-2":
    case "connect-binary-2":
      return createConnectTransport({
        baseUrl,
        httpVersion: kind.endsWith("2") ? "2" : "1.1",
        useBinaryFormat: kind.includes("binary"),
        interceptors,
        nodeOptions,
      });
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors, nodeOptions });
    default:
      return createGrpcWebTransport({
        baseUrl,
        httpVersion: kind.endsWith("2") ? "2" : "1.1",
        useBinaryFormat: kind.includes("binary"),
        interceptors,
        nodeOptions,
      });
  }
}

/** An ActionService client over the given transport kind. */
export function createActionClient(
  server: ServerAddress,
  kind: TransportKind,
  tlsCa?: string,
): Client<typeof ActionService> {
  return createClient(ActionService, createTransport(server, kind, tlsCa));
}

/**
 * The repository root, where proto/ and proto-vendor/ live. The compiled
 * tests may sit outside it (an outDir in /tmp), so this also follows the
 * node_modules link such a build folder needs, and the working directory.
 */
export function findRepoRoot(): string {
  const candidates = [distRoot, join(distRoot, ".."), process.cwd()];
  const modules = join(distRoot, "node_modules");
  if (existsSync(modules)) {
    candidates.unshift(join(realpathSync(modules), ".."));
  }
  for (const candidate of candidates) {
    if (
      existsSync(
        join(candidate, "proto", "zitadel", "action", "v3alpha",
          "action_service.proto"),
      )
    ) {
      return candidate;
    }
  }
  throw new Error("cannot find the repository root with proto/");
}

/** The package tree grpc-js builds from our .proto files. */
// proto-loader builds the tree at run time, so it has no static type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GrpcPackage = Record<string, any>;

/**
 * Loads the Action Service, health and reflection protos with proto-loader
 * from proto/ and proto-vendor/, independent of our generated code.
 */
export function loadGrpcPackage(): GrpcPackage {
  const root = findRepoRoot();
  const definition = protoLoader.loadSync(
    [
      "zitadel/action/v3alpha/action_service.proto",
      "grpc/health/v1/health.proto",
      "grpc/reflection/v1/reflection.proto",
      "grpc/reflection/v1alpha/reflection.proto",
    ],
    {
      includeDirs: [
        join(root, "proto"),
        join(root, "proto-vendor"),
        join(root, "node_modules", "google-proto-files"),
      ],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    },
  );
  return grpc.loadPackageDefinition(definition) as GrpcPackage;
}

/** grpc-js channel credentials: h2c, or TLS trusting `ca`. */
export function grpcCredentials(ca?: string): grpc.ChannelCredentials {
  return ca === undefined
    ? grpc.credentials.createInsecure()
    : grpc.credentials.createSsl(Buffer.from(ca));
}

/** grpc-js metadata with the admin token. */
export function grpcMetadata(server: ServerAddress): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(authHeaders(server))) {
    metadata.set(name, value);
  }
  return metadata;
}

/**
 * Calls a unary grpc-js method and resolves with the response, or rejects
 * with the ServiceError (its `code` is the gRPC status code).
 */
export function grpcUnary<T>(
  client: grpc.Client,
  method: string,
  request: unknown,
  metadata: grpc.Metadata,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, Function>)[method];
    fn.call(
      client,
      request,
      metadata,
      { deadline: Date.now() + timeoutMs },
      (error: grpc.ServiceError | null, response: T) => {
        if (error) {
          reject(error);
        } else {
          resolve(response);
        }
      },
    );
  });
}
