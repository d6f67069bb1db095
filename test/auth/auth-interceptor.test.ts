import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { createAuthInterceptor } from "../../src/auth/auth-interceptor.js";
import { mintToken } from "../../src/auth/token-minter.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database.js";
import { createInstanceStore } from "../../src/store/instance-store.js";
import { createAuthFixture, type AuthFixture } from "./support/auth-fixture.js";
import {
  loopbackLookup,
  startActionServer,
  type ActionServer,
} from "./support/action-server.js";

type Protocol = "grpc" | "connect" | "connect-h1" | "grpc-web";
const protocols: Protocol[] = ["grpc", "connect", "connect-h1", "grpc-web"];

describe("createAuthInterceptor()", () => {
  let fixture: AuthFixture;
  let server: ActionServer;
  let owner: string;
  let viewer: string;
  let caller: string;
  let ownerOfB: string;
  let dir: string;

  before(async () => {
    // A file, so a second connection can change it as the CLI would. The
    // real clock, so the HTTP stack and the interceptor agree.
    dir = mkdtempSync(join(tmpdir(), "auth-interceptor-"));
    fixture = await createAuthFixture(join(dir, "actionsd.db"));
    const clock = () => new Date();
    const mint = (instanceId: string, roles: string[], subject = "u1") =>
      mintToken({
        db: fixture.db,
        secretKey: fixture.secretKey,
        instanceId,
        roles,
        subject,
        clock,
      });
    owner = await mint(fixture.a, ["IAM_OWNER"], "owner-1");
    viewer = await mint(fixture.a, ["IAM_OWNER_VIEWER"]);
    caller = await mint(fixture.a, ["ACTIONS_CALLER"]);
    ownerOfB = await mint(fixture.b, ["IAM_OWNER"]);
    server = await startActionServer(createAuthInterceptor({ db: fixture.db }));
  });

  after(async () => {
    await server.close();
    fixture.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function client(protocol: Protocol, host: string, token?: string) {
    const headers: Record<string, string> =
      token === undefined ? {} : { authorization: `Bearer ${token}` };
    const h1 = { nodeOptions: { lookup: loopbackLookup } };
    const h2 = { nodeOptions: { lookup: loopbackLookup } };
    const url1 = `http://${host}:${server.port1}`;
    const url2 = `http://${host}:${server.port2}`;
    let transport: Transport;
    switch (protocol) {
      case "grpc":
        transport = createGrpcTransport({ baseUrl: url2, ...h2 });
        break;
      case "connect":
        transport = createConnectTransport({
          baseUrl: url2,
          httpVersion: "2",
          ...h2,
        });
        break;
      case "connect-h1":
        transport = createConnectTransport({
          baseUrl: url1,
          httpVersion: "1.1",
          ...h1,
        });
        break;
      case "grpc-web":
        transport = createGrpcWebTransport({
          baseUrl: url1,
          httpVersion: "1.1",
          ...h1,
        });
        break;
    }
    const service = createClient(ActionService, transport);
    const options = { headers, timeoutMs: 5000 };
    return {
      list: () => service.listTargets({}, options),
      create: () =>
        service.createTarget(
          {
            name: "t",
            endpoint: "http://127.0.0.1:1/",
            targetType: { case: "restAsync", value: {} },
          },
          options,
        ),
      functions: () => service.listExecutionFunctions({}, options),
    };
  }

  async function codeOf(call: () => Promise<unknown>): Promise<Code | "ok"> {
    try {
      await call();
      return "ok";
    } catch (error) {
      return ConnectError.from(error).code;
    }
  }

  for (const protocol of protocols) {
    describe(protocol, () => {
      it("rejects a call without token with Unauthenticated", async () => {
        assert.equal(await codeOf(client(protocol, "a.example").list), Code.Unauthenticated);
      });

      it("rejects a viewer's write with PermissionDenied AUTH-5mWD2", async () => {
        const c = client(protocol, "a.example", viewer);
        assert.equal(await codeOf(c.list), "ok");
        try {
          await c.create();
          assert.fail("expected PermissionDenied");
        } catch (error) {
          const connectError = ConnectError.from(error);
          assert.equal(connectError.code, Code.PermissionDenied);
          assert.equal(
            connectError.rawMessage,
            "No matching permissions found (AUTH-5mWD2)",
          );
        }
      });

      it("lets an owner write and puts the caller into the context", async () => {
        const c = client(protocol, "a.example", owner);
        assert.equal(await codeOf(c.create), "ok");
        const { functions } = await c.functions();
        assert.deepEqual(functions, [fixture.a, "owner-1", fixture.a, "IAM_OWNER"]);
      });

      it("accepts the instance's other domain, in any case", async () => {
        assert.equal(await codeOf(client(protocol, "A2.Example", owner).list), "ok");
      });

      it("gives a role without the permission nothing", async () => {
        assert.equal(
          await codeOf(client(protocol, "a.example", caller).list),
          Code.PermissionDenied,
        );
      });

      it("rejects a token of instance B at A's domain with Unauthenticated", async () => {
        assert.equal(
          await codeOf(client(protocol, "a.example", ownerOfB).list),
          Code.Unauthenticated,
        );
        assert.equal(await codeOf(client(protocol, "b.example", ownerOfB).list), "ok");
      });

      it("answers NotFound for a host no instance claims", async () => {
        assert.equal(
          await codeOf(client(protocol, "unknown.example", owner).list),
          Code.NotFound,
        );
      });

      it("checks the token before the permission", async () => {
        assert.equal(
          await codeOf(client(protocol, "a.example", `${viewer}x`).create),
          Code.Unauthenticated,
        );
      });
    });
  }

  it("lets health checks through without token, on any host", async () => {
    const transport = createGrpcTransport({
      baseUrl: `http://unknown.example:${server.port2}`,
      nodeOptions: { lookup: loopbackLookup },
    });
    const response = await createClient(Health, transport).check(
      {},
      { timeoutMs: 5000 },
    );
    assert.equal(response.status, 1);
  });

  it("answers FailedPrecondition with the feature off, but not for the name lists", async () => {
    // Another connection, as the CLI: the running interceptor must see it.
    const other = openDatabase({ path: join(dir, "actionsd.db") });
    const instances = createInstanceStore(other);
    instances.setActionsEnabled(fixture.b, false);
    try {
      for (const protocol of protocols) {
        const c = client(protocol, "b.example", ownerOfB);
        assert.equal(await codeOf(c.list), Code.FailedPrecondition, protocol);
        assert.equal(await codeOf(c.create), Code.FailedPrecondition, protocol);
        assert.equal(await codeOf(c.functions), "ok", protocol);
        // Authentication still comes first.
        assert.equal(
          await codeOf(client(protocol, "b.example").functions),
          Code.Unauthenticated,
          protocol,
        );
      }
    } finally {
      instances.setActionsEnabled(fixture.b, true);
      other.close();
    }
  });
});
