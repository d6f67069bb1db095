import { randomBytes } from "node:crypto";
import {
  createClient,
  createRouterTransport,
  type Client,
  type Interceptor,
} from "@connectrpc/connect";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import {
  createActionService,
  type ActionServiceOptions,
} from "../../src/api/action-service.js";
import { callerKey, type Caller } from "../../src/auth/caller.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import { toConnectError } from "../../src/errors/connect-error.js";
import { DomainError } from "../../src/errors/domain-error.js";
import { openDatabase, type Db } from "../../src/store/database.js";

/** The methods the fake router claims to serve. */
export const servedMethods = [
  "/zitadel.action.v3alpha.ActionService/ListTargets",
  "/zitadel.action.v3alpha.ActionService/CreateTarget",
  "/zitadel.session.v2.SessionService/ListSessions",
];

/** A service under test with clients per instance. */
export interface Harness {
  readonly db: Db;
  readonly secretKey: Uint8Array;
  /** A client whose calls run as a caller of the given instance. */
  client(instanceId?: string): Client<typeof ActionService>;
  /** A client whose calls carry no caller. */
  anonymous(): Client<typeof ActionService>;
  /** Instance ids passed to onChange, in order. */
  readonly changes: string[];
}

/**
 * Builds the Action Service on a fresh in-memory database behind a router
 * transport. The router interceptor plays the auth and error interceptors:
 * it sets a fake caller for the instance named by the "x-instance" header
 * and turns DomainErrors into ConnectErrors.
 */
export function createHarness(
  overrides: Partial<ActionServiceOptions> = {},
): Harness {
  const db = openDatabase({ path: ":memory:" });
  const secretKey = new Uint8Array(randomBytes(32));
  const changes: string[] = [];
  const service = createActionService({
    db,
    clock: () => new Date(),
    ids: createIdGenerator(),
    functions: ["preuserinfo", "preaccesstoken", "presamlresponse"],
    servedMethods: () => servedMethods,
    secretKey,
    onChange: (instanceId) => changes.push(instanceId),
    ...overrides,
  });
  const fakeAuth: Interceptor = (next) => async (request) => {
    const instanceId = request.header.get("x-instance");
    if (instanceId !== null) {
      const caller: Caller = {
        instanceId,
        userId: `user-of-${instanceId}`,
        orgId: "",
        projectId: "",
        roles: ["IAM_OWNER"],
        permissions: new Set(),
      };
      request.contextValues.set(callerKey, caller);
    }
    try {
      return await next(request);
    } catch (error) {
      const converted = toConnectError(error);
      if (converted.cause === error && !(error instanceof DomainError)) {
        // An unexpected failure: show its cause, which the caller never sees.
        process.stderr.write(`unexpected handler failure: ${String(error)}\n`);
      }
      throw converted;
    }
  };
  const transport = createRouterTransport(
    (router) => router.service(ActionService, service),
    { router: { interceptors: [fakeAuth] } },
  );
  const asInstance = (instanceId: string): Interceptor => (next) => (request) => {
    request.header.set("x-instance", instanceId);
    return next(request);
  };
  return {
    db,
    secretKey,
    changes,
    client(instanceId = "i1") {
      const instanceTransport = createRouterTransport(
        (router) => router.service(ActionService, service),
        {
          router: { interceptors: [fakeAuth] },
          transport: { interceptors: [asInstance(instanceId)] },
        },
      );
      return createClient(ActionService, instanceTransport);
    },
    anonymous() {
      return createClient(ActionService, transport);
    },
  };
}
