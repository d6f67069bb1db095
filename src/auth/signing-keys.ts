import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import type { Db } from "../store/database.js";
import {
  createKeyStore,
  type StoredSigningKey,
  type TokenKeyAlg,
} from "../store/key-store.js";

/**
 * Makes a new token signing key for an instance; `alg` defaults to ES256.
 * The kid is random so that kids of different instances never collide.
 */
export async function generateTokenKey(
  instanceId: string,
  createdAt: Date,
  alg: TokenKeyAlg = "ES256",
): Promise<StoredSigningKey> {
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
  readonly instanceId: string;
  readonly clock: () => Date;
  readonly alg?: TokenKeyAlg;
}

/**
 * Retires the instance's active key and makes a new one the signer. The
 * retired key keeps verifying the tokens it signed until the last of them
 * expires; retired keys whose tokens have all expired are deleted.
 * Answers the new key.
 */
export async function rotateSigningKey(
  options: RotateSigningKeyOptions,
): Promise<StoredSigningKey> {
  const now = options.clock();
  const key = await generateTokenKey(options.instanceId, now, options.alg);
  const keys = createKeyStore(options.db);
  options.db.transaction(() => {
    keys.retireAll(options.instanceId, now);
    keys.prune(options.instanceId, now);
    keys.add(key);
  })();
  return key;
}
