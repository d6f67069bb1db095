import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
  type JWK,
} from "jose";
import { DomainError } from "../../src/errors/domain-error.js";
import { createInstanceDirectory } from "../../src/auth/instance-directory.js";
import { mintToken } from "../../src/auth/token-minter.js";
import {
  createTokenVerifier,
  parseBearer,
  type InstanceTrust,
} from "../../src/auth/token-verifier.js";
import { rolesClaim } from "../../src/auth/permissions.js";
import { createSealingKeyStore } from "../../src/store/key-store.js";
import { createAuthFixture, fixedNow, type AuthFixture } from "./support/auth-fixture.js";

function at(offsetSec: number): () => Date {
  return () => new Date(fixedNow.getTime() + offsetSec * 1000);
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `not a DomainError: ${error}`);
    assert.equal(error.kind, "unauthenticated");
    return error.text;
  }
  assert.fail("expected the token to be rejected");
}

describe("parseBearer()", () => {
  const rows: [string, string | undefined, string][] = [
    ["missing", undefined, "missing bearer token"],
    ["empty", "", "missing bearer token"],
    ["basic scheme", "Basic dXNlcjpwYXNz", "malformed authorization header"],
    ["no token", "Bearer", "malformed authorization header"],
    ["two tokens", "Bearer a b", "malformed authorization header"],
  ];
  for (const [name, header, reason] of rows) {
    it(`rejects a ${name} header`, async () => {
      assert.equal(await rejection((async () => parseBearer(header))()), reason);
    });
  }

  it("takes the token, scheme in any case", () => {
    assert.equal(parseBearer("bearer abc.def.ghi"), "abc.def.ghi");
  });
});

describe("createTokenVerifier()", () => {
  let fixture: AuthFixture;
  let trustA: InstanceTrust;
  let keyA: { kid: string; privateJwk: JWK };

  before(async () => {
    fixture = await createAuthFixture();
    const directory = createInstanceDirectory(fixture.db);
    trustA = directory.findByHost("a.example")!.trust;
    const stored = createSealingKeyStore(fixture.db, fixture.secretKey).activePair(fixture.a)!;
    keyA = { kid: stored.kid, privateJwk: JSON.parse(stored.privateJwk) as JWK };
  });

  const mint = (instanceId: string, lifetimeMs = 3_600_000) =>
    mintToken({
      db: fixture.db,
      secretKey: fixture.secretKey,
      instanceId,
      roles: ["IAM_OWNER_VIEWER"],
      subject: "u1",
      lifetimeMs,
      clock: fixture.clock,
    });

  /** Signs arbitrary claims with instance A's real key. */
  async function signWithA(
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ): Promise<string> {
    const key = await importJWK(keyA.privateJwk, "ES256");
    const nowSec = Math.floor(fixedNow.getTime() / 1000);
    return new SignJWT({
      iss: "http://a.example",
      aud: fixture.a,
      sub: "u1",
      iat: nowSec,
      exp: nowSec + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: "ES256", kid: keyA.kid, ...header })
      .sign(key);
  }

  it("accepts the instance's own token and reads its roles", async () => {
    const verified = await createTokenVerifier({ clock: fixture.clock }).verify(
      trustA,
      await mint(fixture.a),
    );
    assert.equal(verified.userId, "u1");
    assert.equal(verified.orgId, fixture.a);
    assert.deepEqual(verified.roles, ["IAM_OWNER_VIEWER"]);
    assert.equal(verified.cacheUntilMs, fixedNow.getTime() + 3_600_000);
  });

  it("rejects a token of another instance's issuer", async () => {
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(
      await rejection(verifier.verify(trustA, await mint(fixture.b))),
      "token issuer not trusted",
    );
  });

  it("rejects a token signed by another instance's key under A's issuer", async () => {
    const other = createSealingKeyStore(fixture.db, fixture.secretKey).activePair(fixture.b)!;
    const key = await importJWK(JSON.parse(other.privateJwk) as JWK, other.alg);
    const nowSec = Math.floor(fixedNow.getTime() / 1000);
    const token = await new SignJWT({ [rolesClaim]: { IAM_OWNER: {} } })
      .setProtectedHeader({ alg: other.alg, kid: other.kid })
      .setIssuer("http://a.example")
      .setAudience(fixture.a)
      .setSubject("u1")
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + 600)
      .sign(key);
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(await rejection(verifier.verify(trustA, token)), "token signature invalid");
  });

  it("rejects a bad signature", async () => {
    const token = await signWithA({});
    const [header, payload] = token.split(".");
    const forged = JSON.parse(Buffer.from(payload!, "base64url").toString());
    forged.sub = "someone-else";
    const tampered = [
      header,
      Buffer.from(JSON.stringify(forged)).toString("base64url"),
      token.split(".")[2],
    ].join(".");
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(await rejection(verifier.verify(trustA, tampered)), "token signature invalid");
  });

  it("rejects a token signed by an unknown key with A's kid", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const nowSec = Math.floor(fixedNow.getTime() / 1000);
    const token = await new SignJWT({ sub: "u1" })
      .setProtectedHeader({ alg: "ES256", kid: keyA.kid })
      .setIssuer("http://a.example")
      .setAudience(fixture.a)
      .setExpirationTime(nowSec + 600)
      .sign(privateKey);
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(await rejection(verifier.verify(trustA, token)), "token signature invalid");
  });

  it("rejects alg none", async () => {
    const nowSec = Math.floor(fixedNow.getTime() / 1000);
    const token = new UnsecuredJWT({ sub: "u1", [rolesClaim]: { IAM_OWNER: {} } })
      .setIssuer("http://a.example")
      .setAudience(fixture.a)
      .setExpirationTime(nowSec + 600)
      .encode();
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(await rejection(verifier.verify(trustA, token)), "token algorithm not allowed");
  });

  it("rejects an algorithm the instance does not sign with", async () => {
    const secret = new TextEncoder().encode("a".repeat(32));
    const nowSec = Math.floor(fixedNow.getTime() / 1000);
    const token = await new SignJWT({ sub: "u1" })
      .setProtectedHeader({ alg: "HS256", kid: keyA.kid })
      .setIssuer("http://a.example")
      .setAudience(fixture.a)
      .setExpirationTime(nowSec + 600)
      .sign(secret);
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(await rejection(verifier.verify(trustA, token)), "token algorithm not allowed");
  });

  it("rejects a token that is not a JWT when no introspection is set up", async () => {
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(await rejection(verifier.verify(trustA, "opaque-token")), "malformed token");
    assert.equal(await rejection(verifier.verify(trustA, "a.b.c")), "malformed token");
  });

  it("rejects an expired token, allowing a small clock skew", async () => {
    const token = await mint(fixture.a, 60_000);
    await createTokenVerifier({ clock: at(60 + 20) }).verify(trustA, token);
    assert.equal(
      await rejection(createTokenVerifier({ clock: at(60 + 31) }).verify(trustA, token)),
      "token expired",
    );
  });

  it("rejects a token that is not yet valid, allowing a small clock skew", async () => {
    const nowSec = Math.floor(fixedNow.getTime() / 1000);
    const verifier = createTokenVerifier({ clock: fixture.clock });
    await verifier.verify(trustA, await signWithA({ nbf: nowSec + 10 }));
    assert.equal(
      await rejection(verifier.verify(trustA, await signWithA({ nbf: nowSec + 120 }))),
      "token not yet valid",
    );
  });

  it("rejects a wrong audience", async () => {
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(
      await rejection(verifier.verify(trustA, await signWithA({ aud: fixture.b }))),
      "token audience invalid",
    );
  });

  it("rejects a token without expiry", async () => {
    const verifier = createTokenVerifier({ clock: fixture.clock });
    assert.equal(
      await rejection(verifier.verify(trustA, await signWithA({ exp: undefined }))),
      "token claims invalid",
    );
  });

  it("accepts the https form of the issuer", async () => {
    const verifier = createTokenVerifier({ clock: fixture.clock });
    const verified = await verifier.verify(
      trustA,
      await signWithA({ iss: "https://a.example" }),
    );
    assert.equal(verified.userId, "u1");
  });
});
