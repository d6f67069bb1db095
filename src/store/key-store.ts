import type { Db } from "./database.js";
import { createSecretBox, type SecretBox } from "./secret-box.js";

/** The algorithms an instance signs its own tokens with. */
export type TokenKeyAlg = "ES256" | "EdDSA";

/**
 * One token signing key of an instance as verifiers see it: the public
 * half as JWK JSON and the bookkeeping, never the private half.
 */
export interface StoredSigningKey {
  readonly kid: string;
  readonly instanceId: string;
  readonly alg: TokenKeyAlg;
  readonly publicJwk: string;
  readonly createdAt: Date;
  /** When it stopped signing; undefined while it is the active key. */
  readonly retiredAt?: Date;
  /** The latest expiry of any token it signed (epoch ms). */
  readonly tokensValidUntil: number;
}

/** A signing key with its private half as JWK JSON, held in memory only. */
export interface SigningKeyPair extends StoredSigningKey {
  readonly privateJwk: string;
}

/**
 * Reads and keeps the books of the token signing keys of instances. It
 * answers public halves only, so verifying tokens needs no secret key;
 * `createSealingKeyStore` adds and opens private halves.
 */
export interface KeyStore {
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

/**
 * The key store with the data directory's secret key: private halves are
 * stored sealed with AES-256-GCM (`secret-box.ts`), as target signing keys
 * are, so a copy of the database alone does not sign tokens.
 * Limitation: `secret.key` lives in the same data directory (mode 0700),
 * so a copy of the whole directory still does.
 */
export interface SealingKeyStore extends KeyStore {
  /** Inserts a key, its private half sealed. */
  add(key: SigningKeyPair): void;
  /**
   * The active key of the instance with its private half opened, for
   * signing; undefined when there is none. Throws SealedKeyError when the
   * private half does not open under this secret key.
   */
  activePair(instanceId: string): SigningKeyPair | undefined;
}

/**
 * A private half that cannot be used for signing: it does not open under
 * the secret key (not the key that sealed it, or a damaged row), or it is
 * not sealed. The one-line message names the key id.
 */
export class SealedKeyError extends Error {
  override readonly name = "SealedKeyError";

  constructor(
    readonly kid: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface KeyRow {
  kid: string;
  instance_id: string;
  alg: TokenKeyAlg;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
  tokens_valid_until: number;
}

interface SealedKeyRow extends KeyRow {
  /** A Buffer when sealed; a string only in rows of earlier versions. */
  private_jwk: Buffer | string;
}

// The private half is left out of every read but `activePair`, so listing
// keys never carries it around, not even sealed.
const publicColumns =
  "kid, instance_id, alg, public_jwk, created_at, retired_at, " +
  "tokens_valid_until";
const newestFirst = "ORDER BY created_at DESC, rowid DESC";

/** Creates the key store on a migrated database; public halves only. */
export function createKeyStore(db: Db): KeyStore {
  const selectByInstance = db.prepare(
    `SELECT ${publicColumns} FROM signing_keys WHERE instance_id = ? ` +
      newestFirst,
  );
  const selectAll = db.prepare(
    `SELECT ${publicColumns} FROM signing_keys ${newestFirst}`,
  );
  const selectActive = db.prepare(
    `SELECT ${publicColumns} FROM signing_keys ` +
      `WHERE instance_id = ? AND retired_at IS NULL ${newestFirst} LIMIT 1`,
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

/**
 * Creates the key store that seals and opens private halves with
 * `secretKey` (32 bytes). It first seals the plain rows an earlier version
 * left (`sealPlainPrivateKeys`), so every private half it opens is sealed.
 */
export function createSealingKeyStore(
  db: Db,
  secretKey: Uint8Array,
): SealingKeyStore {
  const box = createSecretBox(secretKey);
  sealWith(db, box);
  const insert = db.prepare(
    `INSERT INTO signing_keys (${publicColumns}, private_jwk) ` +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const selectActive = db.prepare(
    `SELECT ${publicColumns}, private_jwk FROM signing_keys ` +
      `WHERE instance_id = ? AND retired_at IS NULL ${newestFirst} LIMIT 1`,
  );

  return {
    ...createKeyStore(db),
    add: (key) => {
      insert.run(
        key.kid,
        key.instanceId,
        key.alg,
        key.publicJwk,
        key.createdAt.getTime(),
        key.retiredAt?.getTime() ?? null,
        key.tokensValidUntil,
        box.seal(key.privateJwk),
      );
    },
    activePair: (instanceId) => {
      const row = selectActive.get(instanceId) as SealedKeyRow | undefined;
      return row === undefined
        ? undefined
        : { ...toKey(row), privateJwk: openPrivateJwk(box, row) };
    },
  };
}

/**
 * Seals, in one transaction, every private half still stored as plain JWK
 * JSON by a version before sealing, with `secretKey`; answers how many.
 * The server start and the CLI run it when they load the secret key, and
 * `createSealingKeyStore` does. Nothing to seal costs one read, no lock.
 */
export function sealPlainPrivateKeys(db: Db, secretKey: Uint8Array): number {
  return sealWith(db, createSecretBox(secretKey));
}

function sealWith(db: Db, box: SecretBox): number {
  const selectPlain = db.prepare(
    "SELECT kid, private_jwk FROM signing_keys " +
      "WHERE typeof(private_jwk) = 'text'",
  );
  const seal = db.prepare(
    "UPDATE signing_keys SET private_jwk = ? " +
      "WHERE kid = ? AND typeof(private_jwk) = 'text'",
  );
  const plainRows = () =>
    selectPlain.all() as { kid: string; private_jwk: string }[];
  if (plainRows().length === 0) {
    return 0;
  }
  // IMMEDIATE takes the write lock up front, so a concurrent writer waits
  // (busy_timeout) instead of failing on a lock upgrade; the rows are read
  // again under the lock, so what another process sealed meanwhile stays.
  return db
    .transaction(() => {
      let sealed = 0;
      for (const row of plainRows()) {
        sealed += seal.run(box.seal(row.private_jwk), row.kid).changes;
      }
      return sealed;
    })
    .immediate();
}

function openPrivateJwk(box: SecretBox, row: SealedKeyRow): string {
  if (typeof row.private_jwk === "string") {
    // Only a version before sealing writes text, and it could have done so
    // after this store sealed on open; the next open seals it.
    throw new SealedKeyError(
      row.kid,
      `the private half of signing key ${row.kid} is not sealed yet; ` +
        "run the command again",
    );
  }
  try {
    return box.open(row.private_jwk);
  } catch (error) {
    throw new SealedKeyError(
      row.kid,
      `the private half of signing key ${row.kid} does not open with this ` +
        "secret.key (not the key that sealed it)",
      { cause: error },
    );
  }
}

function toKey(row: KeyRow): StoredSigningKey {
  return {
    kid: row.kid,
    instanceId: row.instance_id,
    alg: row.alg,
    publicJwk: row.public_jwk,
    createdAt: new Date(row.created_at),
    retiredAt: row.retired_at === null ? undefined : new Date(row.retired_at),
    tokensValidUntil: row.tokens_valid_until,
  };
}
