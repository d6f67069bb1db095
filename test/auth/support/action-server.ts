// A real server for the interceptor tests: a trivial ActionService behind
// the error and auth interceptors, over HTTP/2 (h2c) and HTTP/1.1 on
// loopback port 0. The service answers with the caller it was given.
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { LookupFunction } from "node:net";
import {
  createContextValues,
  type ConnectRouter,
  type Interceptor,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ActionService } from "../../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { Health } from "../../../gen/grpc/health/v1/health_pb.js";
import { callerKey, requestHostKey } from "../../../src/auth/caller.js";
import { toConnectError } from "../../../src/errors/connect-error.js";

export interface ActionServer {
  readonly port1: number;
  readonly port2: number;
  close(): Promise<void>;
}

/** Turns anything thrown inside into a ConnectError, as the real chain does. */
const errorsToConnect: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (error) {
    throw toConnectError(error);
  }
};

function routes(router: ConnectRouter) {
  router.service(Health, { check: () => ({ status: 1 }) });
  router.service(ActionService, {
    listExecutionFunctions: (_req, context) => {
      const caller = context.values.get(callerKey);
      return {
        functions: caller === undefined
          ? []
          : [caller.instanceId, caller.userId, caller.orgId, ...caller.roles],
      };
    },
    listTargets: () => ({}),
    createTarget: () => ({ id: "1" }),
    deleteTarget: () => ({}),
  });
}

export async function startActionServer(auth: Interceptor): Promise<ActionServer> {
  const handler = connectNodeAdapter({
    routes,
    interceptors: [errorsToConnect, auth],
    contextValues: (req) =>
      createContextValues().set(
        requestHostKey,
        String(req.headers[":authority"] ?? req.headers.host ?? ""),
      ),
  });
  const server1 = http.createServer(handler);
  const server2 = http2.createServer(handler);
  // Client sessions stay open between calls; close() ends them so the
  // server can stop.
  const sessions = new Set<http2.ServerHttp2Session>();
  server2.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await Promise.all([
    new Promise<void>((resolve) => server1.listen(0, "127.0.0.1", resolve)),
    new Promise<void>((resolve) => server2.listen(0, "127.0.0.1", resolve)),
  ]);
  return {
    port1: (server1.address() as AddressInfo).port,
    port2: (server2.address() as AddressInfo).port,
    close: async () => {
      server1.closeAllConnections();
      for (const session of sessions) {
        session.destroy();
      }
      await Promise.all([
        new Promise((resolve) => server1.close(resolve)),
        new Promise((resolve) => server2.close(resolve)),
      ]);
    },
  };
}

/**
 * Resolves every name to 127.0.0.1, so a client can send any Host or
 * :authority while the connection stays on loopback.
 */
export const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  if (options.all === true) {
    (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(
      null,
      [{ address: "127.0.0.1", family: 4 }],
    );
  } else {
    callback(null, "127.0.0.1", 4);
  }
};
