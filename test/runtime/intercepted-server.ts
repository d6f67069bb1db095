import { create } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  type Client,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import {
  connectNodeAdapter,
  createConnectTransport,
  createGrpcTransport,
} from "@connectrpc/connect-node";
import {
  createServer,
  type Http2Server,
  type Http2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { TargetSchema } from "../../gen/zitadel/action/v3alpha/target_pb.js";
import { callerKey, type Caller } from "../../src/auth/caller.js";
import type {
  ExecutionEntry,
  ExecutionSnapshot,
  RuntimeTarget,
} from "../../src/domain/execution-snapshot.js";
import {
  createExecutionIndex,
  type ExecutionIndex,
} from "../../src/runtime/execution-index.js";
import { createExecutionInterceptor } from "../../src/runtime/execution-interceptor.js";
import type { RuntimeLogger } from "../../src/runtime/runtime-logger.js";
import {
  createTargetCaller,
  type TargetCaller,
} from "../../src/runtime/target-caller.js";

/** The caller every test call carries. */
export const testCaller: Caller = {
  instanceId: "inst1",
  userId: "user1",
  orgId: "org1",
  projectId: "",
  roles: ["IAM_OWNER"],
  permissions: new Set(),
};

/** A Connect server with a trivial ActionService behind the interceptor. */
export interface InterceptedServer {
  readonly baseUrl: string;
  readonly index: ExecutionIndex;
  readonly caller: TargetCaller;
  /** What the handler received, in order. */
  readonly handled: string[];
  /** How often the snapshot was loaded. */
  loads(): number;
  /** Replaces the instance's executions and targets, as a store would. */
  setExecutions(
    executions: Record<string, ExecutionEntry[]>,
    targets: RuntimeTarget[],
  ): void;
  grpc: Client<typeof ActionService>;
  connect: Client<typeof ActionService>;
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1, port 0. GetTargetByID answers a target
 * named "fixed" with the requested id; DeleteTarget always fails NotFound.
 */
export async function startInterceptedServer(
  logger?: RuntimeLogger,
): Promise<InterceptedServer> {
  let snapshot: ExecutionSnapshot = { executions: new Map(), targets: new Map() };
  let loadCount = 0;
  const index = createExecutionIndex({
    load: () => {
      loadCount += 1;
      return snapshot;
    },
  });
  const caller = createTargetCaller({ logger });
  const handled: string[] = [];
  const authenticate: Interceptor = (next) => (req) => {
    req.contextValues.set(callerKey, testCaller);
    return next(req);
  };
  const handler = connectNodeAdapter({
    interceptors: [
      authenticate,
      createExecutionInterceptor({ index, caller, logger }),
    ],
    routes: (router) =>
      router.service(ActionService, {
        getTargetByID(request) {
          handled.push(request.targetId);
          return {
            target: create(TargetSchema, {
              targetId: request.targetId,
              name: "fixed",
              endpoint: "https://example.com/",
            }),
          };
        },
        deleteTarget(request) {
          handled.push(request.targetId);
          throw new ConnectError("no such target", Code.NotFound);
        },
      }),
  });
  const server: Http2Server = createServer(handler);
  const sessions = new Set<Http2Session>();
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const transports: Transport[] = [
    createGrpcTransport({ baseUrl }),
    createConnectTransport({ baseUrl, httpVersion: "2" }),
  ];
  return {
    baseUrl,
    index,
    caller,
    handled,
    loads: () => loadCount,
    setExecutions(executions, targets) {
      snapshot = {
        executions: new Map(Object.entries(executions)),
        targets: new Map(targets.map((t) => [t.id, t])),
      };
      index.onChange(testCaller.instanceId);
    },
    grpc: createClient(ActionService, transports[0]!),
    connect: createClient(ActionService, transports[1]!),
    async close() {
      await caller.drain();
      await caller.close();
      for (const session of sessions) {
        session.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
