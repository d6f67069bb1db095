import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { createAuthInterceptor } from "../../src/auth/auth-interceptor.js";
import { rolesClaim } from "../../src/auth/permissions.js";
import { createIssuerStore } from "../../src/store/issuer-store.js";
import { createAuthFixture, type AuthFixture } from "./support/auth-fixture.js";
import {
  loopbackLookup,
  startActionServer,
  type ActionServer,
} from "./support/action-server.js";
import {
  clientId,
  clientSecret,
  startOidcProvider,
  type OidcProvider,
} from "./support/oidc-provider.js";

describe("opaque tokens through introspection", () => {
  let provider: OidcProvider;
  let fixture: AuthFixture;
  let server: ActionServer;
  let nowMs = Date.now();

  before(async () => {
    provider = await startOidcProvider();
    fixture = await createAuthFixture();
    const issuers = createIssuerStore(fixture.db);
    issuers.put({
      instanceId: fixture.a,
      issuer: provider.issuer,
      audience: "project-1",
      rolesClaim,
      introspectionEndpoint: provider.introspectionEndpoint,
      clientId,
      clientSecret,
      createdAt: new Date(),
    });
    issuers.put({
      instanceId: fixture.b,
      issuer: provider.issuer,
      audience: "project-1",
      rolesClaim,
      introspectionEndpoint: provider.introspectionEndpoint,
      clientId,
      clientSecret: "wrong",
      createdAt: new Date(),
    });
    server = await startActionServer(
      createAuthInterceptor({
        db: fixture.db,
        clock: () => new Date(nowMs),
        introspectionCacheMs: 60_000,
      }),
    );
  });

  after(async () => {
    await server.close();
    await provider.close();
    fixture.db.close();
  });

  const call = async (host: string, token: string) => {
    const transport = createConnectTransport({
      baseUrl: `http://${host}:${server.port1}`,
      httpVersion: "1.1",
      nodeOptions: { lookup: loopbackLookup },
    });
    try {
      const response = await createClient(ActionService, transport).listExecutionFunctions(
        {},
        { headers: { authorization: `Bearer ${token}` }, timeoutMs: 5000 },
      );
      return response.functions;
    } catch (error) {
      return ConnectError.from(error).code;
    }
  };

  const introspections = () => provider.hits.get("/introspect") ?? 0;

  it("accepts an active token and reuses the answer within the bound", async () => {
    provider.register("opaque-1", {
      sub: "svc-user",
      aud: ["project-1"],
      exp: Math.floor(nowMs / 1000) + 3600,
      [rolesClaim]: { IAM_OWNER_VIEWER: { "org-1": "org1.example" } },
    });
    const before = introspections();
    assert.deepEqual(await call("a.example", "opaque-1"), [
      fixture.a,
      "svc-user",
      "org-1",
      "IAM_OWNER_VIEWER",
    ]);
    await call("a.example", "opaque-1");
    assert.equal(introspections(), before + 1);

    // Past the bound the endpoint is asked again.
    nowMs += 61_000;
    await call("a.example", "opaque-1");
    assert.equal(introspections(), before + 2);
  });

  it("caches no longer than the token's expiry", async () => {
    provider.register("opaque-short", {
      sub: "svc-user",
      exp: Math.floor(nowMs / 1000) + 5,
    });
    const before = introspections();
    await call("a.example", "opaque-short");
    nowMs += 6_000;
    await call("a.example", "opaque-short");
    assert.equal(introspections(), before + 2);
  });

  it("rejects an inactive token", async () => {
    assert.equal(await call("a.example", "never-issued"), Code.Unauthenticated);
  });

  it("rejects an active token for another audience", async () => {
    provider.register("opaque-aud", { sub: "x", aud: "someone-else" });
    assert.equal(await call("a.example", "opaque-aud"), Code.Unauthenticated);
  });

  it("rejects when the endpoint refuses the client credentials", async () => {
    provider.register("opaque-b", { sub: "x" });
    assert.equal(await call("b.example", "opaque-b"), Code.Unauthenticated);
  });
});
