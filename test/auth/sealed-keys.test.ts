import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { ensureDefaultInstance } from "../../src/auth/bootstrap.js";
import { createInstanceDirectory } from "../../src/auth/instance-directory.js";
import { rotateSigningKey } from "../../src/auth/signing-keys.js";
import { mintToken, signToken } from "../../src/auth/token-minter.js";
import { createTokenVerifier } from "../../src/auth/token-verifier.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import { openDatabase, type Db } from "../../src/store/database.js";
import {
  createKeyStore,
  createSealingKeyStore,
  SealedKeyError,
  sealPlainPrivateKeys,
} from "../../src/store/key-store.js";
import { migrations } from "../../src/store/migrations.js";
import { createAuthFixture, fixedNow } from "./support/auth-fixture.js";
import {
  privateJwkTypes,
  writeLegacyDatabase,
  type LegacyDatabase,
} from "./support/legacy-database.js";

const legacyDomains = ["localhost", "127.0.0.1", "::1"];

function newSecretKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

// The kid a compact JWS names in its protected header.
function kidOf(token: string): string {
  const header = JSON.parse(
    Buffer.from(token.split(".")[0]!, "base64url").toString("utf8"),
  ) as { kid: string };
  return header.kid;
}

async function verifiedRoles(db: Db, token: string): Promise<string[]> {
  const entry = createInstanceDirectory(db).findByHost("localhost")!;
  const verified = await createTokenVerifier().verify(entry.trust, token);
  return [...verified.roles];
}

describe("sealed token signing keys", () => {
  it("stores private halves only as blobs that do not hold the key", async () => {
    const { db, a, b, secretKey } = await createAuthFixture();
    // A token keeps the retired key after the rotation: three rows.
    await mintToken({ db, secretKey, instanceId: a, roles: [], clock: () => fixedNow });
    await rotateSigningKey({ db, secretKey, instanceId: a, clock: () => fixedNow });
    const keys = createSealingKeyStore(db, secretKey);
    const rows = db
      .prepare("SELECT kid, typeof(private_jwk) AS type, private_jwk FROM signing_keys")
      .all() as { kid: string; type: string; private_jwk: Buffer }[];
    assert.equal(rows.length, 3);
    assert.deepEqual(new Set(rows.map((row) => row.type)), new Set(["blob"]));
    for (const instanceId of [a, b]) {
      const pair = keys.activePair(instanceId)!;
      const { d } = JSON.parse(pair.privateJwk) as { d: string };
      assert.ok(d.length > 20);
      const row = rows.find((candidate) => candidate.kid === pair.kid)!;
      assert.equal(row.private_jwk.includes(d), false);
      assert.equal(row.private_jwk.includes(Buffer.from(d, "base64url")), false);
    }
  });

  it("answers public halves only from the store without a secret key", async () => {
    const { db, a } = await createAuthFixture();
    const listed = createKeyStore(db).list(a);
    assert.equal(listed.length, 1);
    assert.equal("privateJwk" in listed[0]!, false);
    assert.ok(createInstanceDirectory(db).findByHost("a.example"));
  });

  it("names the key when the secret key does not open it", async () => {
    const { db, a } = await createAuthFixture();
    const kid = createKeyStore(db).active(a)!.kid;
    await assert.rejects(
      mintToken({
        db,
        secretKey: newSecretKey(),
        instanceId: a,
        roles: ["IAM_OWNER"],
        clock: () => fixedNow,
      }),
      (error: unknown) => {
        assert.ok(error instanceof SealedKeyError, String(error));
        assert.equal(error.kid, kid);
        assert.match(error.message, new RegExp(`signing key ${kid} does not open`));
        assert.equal(error.message.includes("\n"), false);
        return true;
      },
    );
  });
});

describe("a database written before sealing", () => {
  let dir: string;
  let path: string;
  let legacy: LegacyDatabase;
  let db: Db;
  const secretKey = newSecretKey();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sealed-keys-"));
    path = join(dir, "actionsd.db");
    legacy = await writeLegacyDatabase(path, legacyDomains);
    db = openDatabase({ path });
  });

  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("migrates without the secret key, keeping every key and its order", () => {
    assert.equal(db.pragma("user_version", { simple: true }), migrations.at(-1)!.version);
    const [active, retired] = legacy.keys;
    assert.deepEqual(
      [...privateJwkTypes(db).values()],
      ["text", "text"],
    );
    const listed = createKeyStore(db).list(legacy.instanceId);
    assert.deepEqual(
      listed.map((key) => [key.kid, key.alg, key.publicJwk, key.createdAt.getTime()]),
      [active, retired].map((key) => [key.kid, key.alg, key.publicJwk, key.createdAt.getTime()]),
    );
    assert.equal(listed[0]!.retiredAt, undefined);
    assert.equal(listed[1]!.retiredAt?.getTime(), active.createdAt.getTime());
    assert.equal(createKeyStore(db).active(legacy.instanceId)?.kid, active.kid);
  });

  it("seals every plain row in place, once", () => {
    assert.equal(sealPlainPrivateKeys(db, secretKey), 2);
    assert.deepEqual([...privateJwkTypes(db).values()], ["blob", "blob"]);
    assert.equal(sealPlainPrivateKeys(db, secretKey), 0);
  });

  it("signs with the sealed key, and its earlier tokens still verify", async () => {
    const [active] = legacy.keys;
    const earlier = await signToken(active, "localhost", {
      roles: ["IAM_OWNER"],
      clock: () => new Date(),
    });
    const minted = await mintToken({
      db,
      secretKey,
      instanceId: legacy.instanceId,
      roles: ["IAM_OWNER_VIEWER"],
      clock: () => new Date(),
    });
    assert.equal(kidOf(minted), active.kid);
    assert.deepEqual(await verifiedRoles(db, minted), ["IAM_OWNER_VIEWER"]);
    assert.deepEqual(await verifiedRoles(db, earlier.token), ["IAM_OWNER"]);
    const opened = createSealingKeyStore(db, secretKey).activePair(legacy.instanceId)!;
    assert.equal(opened.privateJwk, active.privateJwk);
  });
});

describe("ensureDefaultInstance() on a database written before sealing", () => {
  let dir: string;
  let db: Db;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sealed-keys-start-"));
  });

  after(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("seals the plain keys at start and logs the count, not the keys", async () => {
    const legacy = await writeLegacyDatabase(join(dir, "actionsd.db"), legacyDomains);
    db = openDatabase({ path: join(dir, "actionsd.db") });
    const lines: string[] = [];
    const result = await ensureDefaultInstance({
      db,
      dataDir: dir,
      secretKey: newSecretKey(),
      domains: [],
      clock: () => new Date(),
      ids: createIdGenerator(),
      logger: pino({}, { write: (line: string) => lines.push(line) }),
    });
    assert.equal(result.created, false);
    assert.equal(result.instanceId, legacy.instanceId);
    assert.deepEqual([...privateJwkTypes(db).values()], ["blob", "blob"]);
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]!).sealed_keys, 2);
    for (const key of legacy.keys) {
      const { d } = JSON.parse(key.privateJwk) as { d: string };
      assert.equal(lines[0]!.includes(d), false);
    }
  });
});
