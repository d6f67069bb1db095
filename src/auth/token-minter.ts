import { randomUUID } from "node:crypto";
import { importJWK, SignJWT, type JWK } from "jose";
import type { Db } from "../store/database.js";
import { createInstanceStore } from "../store/instance-store.js";
import {
  createSealingKeyStore,
  type SigningKeyPair,
} from "../store/key-store.js";
import { notFound } from "../errors/domain-error.js";
import { localIssuerUrls } from "./request-host.js";
import { rolesClaim } from "./permissions.js";

/** The claims of a token an instance issues itself. */
export interface LocalTokenClaims {
  readonly roles: readonly string[];
  /** The user id in `sub`; default "admin". */
  readonly subject?: string;
  /** Lifetime in milliseconds; default one hour. */
  readonly lifetimeMs?: number;
  readonly clock: () => Date;
  /** The issuer URL's scheme; default "http". */
  readonly scheme?: "http" | "https";
}

/** What `mintToken` needs. */
export interface MintTokenOptions extends LocalTokenClaims {
  readonly db: Db;
  /** The data directory's secret key (32 bytes), which opens the key. */
  readonly secretKey: Uint8Array;
  readonly instanceId: string;
}

/** A signed token and its expiry in epoch milliseconds. */
export interface SignedToken {
  readonly token: string;
  readonly expiresAtMs: number;
}

/**
 * Signs a JWT with `key` for the instance whose first domain is
 * `issuerDomain`: `iss` that domain as a URL, `aud` the instance id, `sub`
 * the user, the roles in ZITADEL's roles claim with the instance as
 * organization, and `exp`, `iat`, `jti`. Touches no database; callers
 * record the expiry on the key (see `mintToken`).
 * Limitation: actionsd has no organizations; its own tokens name the
 * instance as the organization of every role, so `orgID` in target
 * payloads is the instance id.
 */
export async function signToken(
  key: SigningKeyPair,
  issuerDomain: string,
  claims: LocalTokenClaims,
): Promise<SignedToken> {
  const [httpUrl, httpsUrl] = localIssuerUrls(issuerDomain);
  const iat = Math.floor(claims.clock().getTime() / 1000);
  const exp = iat + Math.ceil((claims.lifetimeMs ?? 3_600_000) / 1000);
  const org = { [key.instanceId]: issuerDomain };
  const roles = Object.fromEntries(claims.roles.map((role) => [role, org]));
  const privateJwk = JSON.parse(key.privateJwk) as JWK;
  const privateKey = await importJWK(privateJwk, key.alg);
  const token = await new SignJWT({ [rolesClaim]: roles })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
    .setIssuer(claims.scheme === "https" ? httpsUrl! : httpUrl!)
    .setAudience([key.instanceId])
    .setSubject(claims.subject ?? "admin")
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(privateKey);
  return { token, expiresAtMs: exp * 1000 };
}

/**
 * Signs a token with the instance's active key (see `signToken`), its
 * private half opened with `secretKey`, and records the token's expiry on
 * the key, so a rotation keeps the key's public half until the token has
 * expired. Throws NotFound for an unknown instance or one without a key,
 * SealedKeyError (naming the kid) when the key does not open.
 */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  const instance = createInstanceStore(options.db).findById(
    options.instanceId,
  );
  const keys = createSealingKeyStore(options.db, options.secretKey);
  const key = instance && keys.activePair(instance.id);
  if (instance === undefined || key === undefined) {
    throw notFound(
      "INST-0pl3x",
      "Errors.Instance.NotFound",
      "Instance or its signing key not found",
    );
  }
  const signed = await signToken(key, instance.domains[0]!, options);
  keys.extendValidity(key.kid, signed.expiresAtMs);
  return signed.token;
}
