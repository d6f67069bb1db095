// The instance, key and issuer stores live in src/store; their tests sit
// here with the rest of the auth area.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DomainError } from "../../src/errors/domain-error.js";
import { rotateSigningKey } from "../../src/auth/signing-keys.js";
import { mintToken } from "../../src/auth/token-minter.js";
import { createInstanceStore } from "../../src/store/instance-store.js";
import { createIssuerStore } from "../../src/store/issuer-store.js";
import { createKeyStore } from "../../src/store/key-store.js";
import { createAuthFixture, fixedNow } from "./support/auth-fixture.js";

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error.kind;
  }
  assert.fail("expected an error");
}

describe("createInstanceStore()", () => {
  it("finds instances by id and domain, oldest first", async () => {
    const { db, a, b } = await createAuthFixture();
    const store = createInstanceStore(db);
    assert.deepEqual(store.list().map((instance) => instance.id), [a, b]);
    assert.equal(store.findByDomain("a2.example")?.id, a);
    assert.equal(store.findByDomain("c.example"), undefined);
    assert.deepEqual(store.findById(a)?.domains, ["a.example", "a2.example"]);
  });

  it("refuses a domain another instance claims, and keeps nothing of the add", async () => {
    const { db, a } = await createAuthFixture();
    const store = createInstanceStore(db);
    const add = () =>
      store.add({ id: "c", name: "c", domains: ["c.example", "b.example"], createdAt: fixedNow });
    assert.equal(kindOf(add), "alreadyExists");
    assert.equal(store.findById("c"), undefined);
    assert.equal(store.findByDomain("c.example"), undefined);
    assert.equal(kindOf(() => store.addDomain(a, "b.example")), "alreadyExists");
  });

  it("appends domains and ignores one it already claims", async () => {
    const { db, b } = await createAuthFixture();
    const store = createInstanceStore(db);
    store.addDomain(b, "b2.example");
    store.addDomain(b, "b.example");
    assert.deepEqual(store.findById(b)?.domains, ["b.example", "b2.example"]);
  });

  it("answers NotFound for an unknown instance", async () => {
    const { db } = await createAuthFixture();
    const store = createInstanceStore(db);
    assert.equal(kindOf(() => store.setActionsEnabled("nope", false)), "notFound");
    assert.equal(kindOf(() => store.addDomain("nope", "x.example")), "notFound");
  });

  it("refuses an instance without name or domain", async () => {
    const { db } = await createAuthFixture();
    const store = createInstanceStore(db);
    assert.equal(
      kindOf(() => store.add({ id: "c", name: "c", domains: [], createdAt: fixedNow })),
      "invalidArgument",
    );
  });
});

describe("createKeyStore()", () => {
  it("keeps a retired key while its tokens can be valid, then prunes it", async () => {
    const { db, a, b, secretKey } = await createAuthFixture();
    const keys = createKeyStore(db);
    const first = keys.active(a)!;
    await mintToken({ db, secretKey, instanceId: a, roles: [], lifetimeMs: 3_600_000, clock: () => fixedNow });

    const second = await rotateSigningKey({ db, secretKey, instanceId: a, clock: () => fixedNow });
    assert.equal(keys.active(a)?.kid, second.kid);
    assert.deepEqual(keys.list(a).map((key) => key.kid), [second.kid, first.kid]);

    // Two hours later the first key's only token has expired.
    const later = new Date(fixedNow.getTime() + 7_200_000);
    const third = await rotateSigningKey({ db, secretKey, instanceId: a, clock: () => later });
    assert.deepEqual(keys.list(a).map((key) => key.kid), [third.kid]);
    assert.equal(keys.list(b).length, 1);
  });
});

describe("createIssuerStore()", () => {
  it("scopes issuers by instance and replaces by issuer", async () => {
    const { db, a, b } = await createAuthFixture();
    const issuers = createIssuerStore(db);
    const base = { issuer: "https://id.example", rolesClaim: "r", createdAt: fixedNow };
    issuers.put({ ...base, instanceId: a, audience: "one" });
    issuers.put({ ...base, instanceId: a, audience: "two" });
    issuers.put({ ...base, instanceId: b, audience: "b" });
    assert.deepEqual(issuers.list(a).map((issuer) => issuer.audience), ["two"]);
    assert.equal(issuers.remove(a, base.issuer), true);
    assert.equal(issuers.remove(a, base.issuer), false);
    assert.deepEqual(issuers.list(b).map((issuer) => issuer.audience), ["b"]);
  });
});
