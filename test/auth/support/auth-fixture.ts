// Shared set-up of the auth tests: a migrated in-memory database with two
// instances, each with its own domain and signing key, sealed with a fresh
// secret key.
import { randomBytes } from "node:crypto";
import { openDatabase, type Db } from "../../../src/store/database.js";
import { createInstanceStore } from "../../../src/store/instance-store.js";
import { createSealingKeyStore } from "../../../src/store/key-store.js";
import { generateTokenKey } from "../../../src/auth/signing-keys.js";
import { createIdGenerator } from "../../../src/domain/id-generator.js";

export interface AuthFixture {
  readonly db: Db;
  /** Instance A claims a.example and a2.example. */
  readonly a: string;
  /** Instance B claims b.example. */
  readonly b: string;
  /** The secret key the signing keys are sealed with. */
  readonly secretKey: Uint8Array;
  readonly clock: () => Date;
}

/** A fixed point in time, so expiry tests do not depend on the wall clock. */
export const fixedNow = new Date("2026-06-01T12:00:00Z");

export async function createAuthFixture(path = ":memory:"): Promise<AuthFixture> {
  const db = openDatabase({ path });
  const ids = createIdGenerator();
  const instances = createInstanceStore(db);
  const secretKey = new Uint8Array(randomBytes(32));
  const keys = createSealingKeyStore(db, secretKey);
  const a = ids();
  const b = ids();
  instances.add({
    id: a,
    name: "a",
    domains: ["a.example", "a2.example"],
    createdAt: fixedNow,
  });
  instances.add({ id: b, name: "b", domains: ["b.example"], createdAt: fixedNow });
  keys.add(await generateTokenKey(a, fixedNow));
  keys.add(await generateTokenKey(b, fixedNow, "EdDSA"));
  return { db, a, b, secretKey, clock: () => fixedNow };
}
