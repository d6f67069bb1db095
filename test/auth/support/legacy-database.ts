// A database as the versions before sealing left it: schema version 3,
// private halves of token signing keys as plain JWK JSON text.
import Database from "better-sqlite3";
import { generateTokenKey } from "../../../src/auth/signing-keys.js";
import { migrations } from "../../../src/store/migrations.js";
import type { SigningKeyPair } from "../../../src/store/key-store.js";

/** The newest schema of the versions that stored private halves plain. */
export const plainKeysSchemaVersion = 3;

/** What `writeLegacyDatabase` wrote. */
export interface LegacyDatabase {
  readonly instanceId: string;
  /** The active key, then the retired one; both stored plain. */
  readonly keys: readonly [SigningKeyPair, SigningKeyPair];
}

/**
 * Writes `path` with the released migrations up to version 3 only, one
 * instance claiming `domains`, and two keys stored as that version stored
 * them: an older retired EdDSA key and the active ES256 key. Released
 * migrations are never edited, so applying them gives the old schema.
 */
export async function writeLegacyDatabase(
  path: string,
  domains: readonly string[],
): Promise<LegacyDatabase> {
  const instanceId = "legacy-instance";
  const retiredAt = new Date("2026-05-01T00:00:00Z");
  const retired = await generateTokenKey(instanceId, retiredAt, "EdDSA");
  const active = await generateTokenKey(
    instanceId,
    new Date("2026-05-02T00:00:00Z"),
  );
  const db = new Database(path);
  try {
    for (const migration of migrations) {
      if (migration.version <= plainKeysSchemaVersion) {
        db.exec(migration.sql);
      }
    }
    db.pragma(`user_version = ${plainKeysSchemaVersion}`);
    db.prepare(
      "INSERT INTO instances (id, name, created_at) VALUES (?, 'default', ?)",
    ).run(instanceId, retiredAt.getTime());
    const domain = db.prepare(
      "INSERT INTO instance_domains (domain, instance_id, position) " +
        "VALUES (?, ?, ?)",
    );
    domains.forEach((name, position) => domain.run(name, instanceId, position));
    const key = db.prepare(
      "INSERT INTO signing_keys (kid, instance_id, alg, private_jwk, " +
        "public_jwk, created_at, retired_at, tokens_valid_until) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const [pair, retiredTime] of [
      [retired, active.createdAt.getTime()],
      [active, null],
    ] as const) {
      key.run(
        pair.kid,
        instanceId,
        pair.alg,
        pair.privateJwk,
        pair.publicJwk,
        pair.createdAt.getTime(),
        retiredTime,
        Date.now() + 86_400_000,
      );
    }
  } finally {
    db.close();
  }
  return { instanceId, keys: [active, retired] };
}

/** `typeof(private_jwk)` of every key row, by kid. */
export function privateJwkTypes(db: Database.Database): Map<string, string> {
  const rows = db
    .prepare("SELECT kid, typeof(private_jwk) AS type FROM signing_keys")
    .all() as { kid: string; type: string }[];
  return new Map(rows.map((row) => [row.kid, row.type]));
}
