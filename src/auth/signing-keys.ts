import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import type { Db } from "../store/database.js";
import {
  createSealingKeyStore,
  type SigningKeyPair,
  type StoredSigningKey,
  type TokenKeyAlg,
} from "../store/key-store.js";

/**
 * Makes a new token signing key for an instance; `alg` defaults to ES256.
 * The kid is random so that kids of different instances never collide.
 * The pair is in memory only; the key store seals its private half.
 */
export async function generateTokenKey(
  instanceId: string,
  createdAt: Date,
  alg: TokenKeyAlg = "ES256",
): Promise<SigningKeyPair> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const kid = randomBytes(12).toString("base64url");
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg };
  const privateJwk = { ...(await exportJWK(pair.privateKey)), kid, alg };
  return {
    kid,
    instanceId,
    alg,
    privateJwk: JSON.stringify(privateJwk),
    publicJwk: JSON.stringify(publicJwk),
    createdAt,
    tokensValidUntil: 0,
  };
}

/** What `rotateSigningKey` needs. */
export interface RotateSigningKeyOptions {
  readonly db: Db;
  /** The data directory's secret key (32 bytes), which seals the new key. */
  readonly secretKey: Uint8Array;
  readonly instanceId: string;
  readonly clock: () => Date;
  readonly alg?: TokenKeyAlg;
}

/**
 * Retires the instance's active key and makes a new one the signer. The
 * retired key keeps verifying the tokens it signed until the last of them
 * expires; retired keys whose tokens have all expired are deleted.
 * Answers the new key without its private half.
 */
export async function rotateSigningKey(
  options: RotateSigningKeyOptions,
): Promise<StoredSigningKey> {
  const now = options.clock();
  const key = await generateTokenKey(options.instanceId, now, options.alg);
  const keys = createSealingKeyStore(options.db, options.secretKey);
  options.db.transaction(() => {
    keys.retireAll(options.instanceId, now);
    keys.prune(options.instanceId, now);
    keys.add(key);
  })();
  const { privateJwk: _private, ...stored } = key;
  return stored;
}
