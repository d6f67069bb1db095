import type { Db } from "./database.js";

/** The algorithms an instance signs its own tokens with. */
export type TokenKeyAlg = "ES256" | "EdDSA";

/** One token signing key of an instance, both halves as JWK JSON. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly instanceId: string;
  readonly alg: TokenKeyAlg;
  readonly privateJwk: string;
  readonly publicJwk: string;
  readonly createdAt: Date;
  /** When it stopped signing; undefined while it is the active key. */
  readonly retiredAt?: Date;
  /** The latest expiry of any token it signed (epoch ms). */
  readonly tokensValidUntil: number;
}

/**
 * Stores the token signing keys of instances.
 * Limitation: private keys are stored as plain JWK JSON; the database file
 * is protected only by the data directory's mode 0700.
 */
export interface KeyStore {
  /** Inserts a key. */
  add(key: StoredSigningKey): void;
  /** Every key of the instance, newest first, retired ones included. */
  list(instanceId: string): StoredSigningKey[];
  /** Every key of every instance, newest first. */
  listAll(): StoredSigningKey[];
  /** The newest key that is not retired, or undefined. */
  active(instanceId: string): StoredSigningKey | undefined;
  /** Marks every unretired key of the instance as retired at `at`. */
  retireAll(instanceId: string, at: Date): void;
  /** Records that the key signed a token valid until `untilMs`. */
  extendValidity(kid: string, untilMs: number): void;
  /**
   * Deletes retired keys of the instance whose tokens have all expired by
   * `now`; answers how many went.
   */
  prune(instanceId: string, now: Date): number;
}

interface KeyRow {
  kid: string;
  instance_id: string;
  alg: TokenKeyAlg;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
  tokens_valid_until: number;
}

const columns =
  "kid, instance_id, alg, private_jwk, public_jwk, created_at, retired_at, " +
  "tokens_valid_until";

/** Creates the key store on a migrated database. */
export function createKeyStore(db: Db): KeyStore {
  const insert = db.prepare(
    `INSERT INTO signing_keys (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectByInstance = db.prepare(
    `SELECT ${columns} FROM signing_keys WHERE instance_id = ? ` +
      "ORDER BY created_at DESC, rowid DESC",
  );
  const selectAll = db.prepare(
    `SELECT ${columns} FROM signing_keys ORDER BY created_at DESC, rowid DESC`,
  );
  const selectActive = db.prepare(
    `SELECT ${columns} FROM signing_keys ` +
      "WHERE instance_id = ? AND retired_at IS NULL " +
      "ORDER BY created_at DESC, rowid DESC LIMIT 1",
  );
  const retire = db.prepare(
    "UPDATE signing_keys SET retired_at = ? " +
      "WHERE instance_id = ? AND retired_at IS NULL",
  );
  const extend = db.prepare(
    "UPDATE signing_keys SET tokens_valid_until = ? " +
      "WHERE kid = ? AND tokens_valid_until < ?",
  );
  const deleteExpired = db.prepare(
    "DELETE FROM signing_keys WHERE instance_id = ? " +
      "AND retired_at IS NOT NULL AND tokens_valid_until < ?",
  );

  return {
    add: (key) => {
      insert.run(
        key.kid,
        key.instanceId,
        key.alg,
        key.privateJwk,
        key.publicJwk,
        key.createdAt.getTime(),
        key.retiredAt?.getTime() ?? null,
        key.tokensValidUntil,
      );
    },
    list: (instanceId) =>
      (selectByInstance.all(instanceId) as KeyRow[]).map(toKey),
    listAll: () => (selectAll.all() as KeyRow[]).map(toKey),
    active: (instanceId) => {
      const row = selectActive.get(instanceId) as KeyRow | undefined;
      return row === undefined ? undefined : toKey(row);
    },
    retireAll: (instanceId, at) => {
      retire.run(at.getTime(), instanceId);
    },
    extendValidity: (kid, untilMs) => {
      extend.run(untilMs, kid, untilMs);
    },
    prune: (instanceId, now) =>
      deleteExpired.run(instanceId, now.getTime()).changes,
  };
}

function toKey(row: KeyRow): StoredSigningKey {
  return {
    kid: row.kid,
    instanceId: row.instance_id,
    alg: row.alg,
    privateJwk: row.private_jwk,
    publicJwk: row.public_jwk,
    createdAt: new Date(row.created_at),
    retiredAt: row.retired_at === null ? undefined : new Date(row.retired_at),
    tokensValidUntil: row.tokens_valid_until,
  };
}
