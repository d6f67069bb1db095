import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DomainError } from "../../src/errors/domain-error.js";
import { createInstanceDirectory } from "../../src/auth/instance-directory.js";
import { rolesClaim } from "../../src/auth/permissions.js";
import {
  createTokenVerifier,
  type InstanceTrust,
} from "../../src/auth/token-verifier.js";
import { createIssuerStore } from "../../src/store/issuer-store.js";
import { createAuthFixture, type AuthFixture } from "./support/auth-fixture.js";
import { startOidcProvider, type OidcProvider } from "./support/oidc-provider.js";

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `not a DomainError: ${error}`);
    assert.equal(error.kind, "unauthenticated");
    return error.text;
  }
  assert.fail("expected the token to be rejected");
}

describe("createTokenVerifier() with an external OpenID provider", () => {
  let provider: OidcProvider;
  let fixture: AuthFixture;
  let trustA: InstanceTrust;
  let trustB: InstanceTrust;
  const clock = () => new Date();

  before(async () => {
    provider = await startOidcProvider();
    fixture = await createAuthFixture();
    createIssuerStore(fixture.db).put({
      instanceId: fixture.a,
      issuer: provider.issuer,
      audience: "project-1",
      rolesClaim,
      createdAt: new Date(),
    });
    const directory = createInstanceDirectory(fixture.db);
    trustA = directory.findByHost("a.example")!.trust;
    trustB = directory.findByHost("b.example")!.trust;
  });

  after(async () => {
    await provider.close();
    fixture.db.close();
  });

  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: "zitadel-user",
    aud: ["project-1", "client-1"],
    exp: Math.floor(Date.now() / 1000) + 300,
    [rolesClaim]: { IAM_OWNER: { "org-9": "org9.example" } },
    ...extra,
  });

  it("accepts its tokens, then a rotated key's token without a restart", async () => {
    const verifier = createTokenVerifier({ clock, jwksCooldownMs: 0 });
    const first = await verifier.verify(trustA, await provider.sign(claims()));
    assert.equal(first.userId, "zitadel-user");
    assert.equal(first.orgId, "org-9");
    assert.deepEqual(first.roles, ["IAM_OWNER"]);
    assert.equal(provider.hits.get("/.well-known/openid-configuration"), 1);

    await provider.rotate();
    const second = await verifier.verify(trustA, await provider.sign(claims({ sub: "u2" })));
    assert.equal(second.userId, "u2");
    assert.equal(provider.hits.get("/.well-known/openid-configuration"), 1);
    assert.ok((provider.hits.get("/keys") ?? 0) >= 2);
  });

  it("refetches for unknown kids at most once per cooldown", async () => {
    const verifier = createTokenVerifier({ clock, jwksCooldownMs: 60_000 });
    await verifier.verify(trustA, await provider.sign(claims()));
    const fetched = provider.hits.get("/keys") ?? 0;
    await provider.rotate();
    for (let i = 0; i < 5; i += 1) {
      assert.equal(
        await reasonOf(verifier.verify(trustA, await provider.sign(claims()))),
        "token signature invalid",
      );
    }
    assert.equal(provider.hits.get("/keys"), fetched);
  });

  it("rejects a token without the required audience", async () => {
    const verifier = createTokenVerifier({ clock, jwksCooldownMs: 0 });
    assert.equal(
      await reasonOf(verifier.verify(trustA, await provider.sign(claims({ aud: "other" })))),
      "token audience invalid",
    );
  });

  it("rejects the issuer at an instance that does not trust it", async () => {
    const verifier = createTokenVerifier({ clock, jwksCooldownMs: 0 });
    assert.equal(
      await reasonOf(verifier.verify(trustB, await provider.sign(claims()))),
      "token issuer not trusted",
    );
  });

  it("rejects an expired token of the issuer", async () => {
    const verifier = createTokenVerifier({ clock, jwksCooldownMs: 0 });
    const token = await provider.sign(claims({ exp: Math.floor(Date.now() / 1000) - 120 }));
    assert.equal(await reasonOf(verifier.verify(trustA, token)), "token expired");
  });
});
