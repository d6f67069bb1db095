import {
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
} from "jose";
import type { TrustedIssuer } from "../store/issuer-store.js";
import { unauthenticated } from "./auth-error.js";
import {
  createIntrospector,
  type IntrospectedClaims,
} from "./introspection.js";
import { readRolesClaim, rolesClaim } from "./permissions.js";
import { createRemoteIssuer, type KeyResolver } from "./remote-issuer.js";

/** Whom an instance accepts tokens from. */
export interface InstanceTrust {
  readonly instanceId: string;
  /** The instance's own issuer URLs (`iss` of the tokens it mints). */
  readonly issuerUrls: readonly string[];
  /** The public halves of the instance's signing keys. */
  readonly localKeys: KeyResolver;
  /** External issuers the instance trusts. */
  readonly issuers: readonly TrustedIssuer[];
}

/** The identity a verified token carries. */
export interface VerifiedToken {
  readonly userId: string;
  readonly orgId: string;
  readonly projectId: string;
  readonly roles: readonly string[];
  /** Until when (epoch ms) the result may be reused without asking again. */
  readonly cacheUntilMs: number;
}

/** Options of `createTokenVerifier`. */
export interface TokenVerifierOptions {
  /** Default: the system clock. */
  readonly clock?: () => Date;
  /** For JWKS, discovery and introspection; default the global fetch. */
  readonly fetch?: typeof fetch;
  /** Allowed clock difference for `exp`, `nbf` and `iat`; default 30 s. */
  readonly clockToleranceSec?: number;
  /** Least time between two JWKS fetches per issuer; default 30000 ms. */
  readonly jwksCooldownMs?: number;
  /** Longest reuse of an introspection answer; default 60000 ms. */
  readonly introspectionCacheMs?: number;
}

/** Verifies bearer tokens for one instance at a time. */
export interface TokenVerifier {
  /**
   * Verifies `token` for the instance. Throws Unauthenticated (a
   * DomainError) with a short reason for a malformed token, a bad
   * signature, `alg: none` or another disallowed algorithm, an issuer the
   * instance does not trust, an expired or not yet valid token, a wrong
   * audience, and an inactive opaque token.
   */
  verify(trust: InstanceTrust, token: string): Promise<VerifiedToken>;
}

const localAlgorithms = ["ES256", "EdDSA"];
// Asymmetric algorithms only: a shared-secret HS256 token from an external
// issuer would let anyone holding the client secret mint tokens.
const remoteAlgorithms = [
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
  "ES256", "ES384", "ES512", "EdDSA",
];
const resourceOwnerClaim = "urn:zitadel:iam:user:resourceowner:id";
const projectIdClaim = "urn:zitadel:iam:org:project:id";

/**
 * Takes the token out of an `Authorization` header value. Throws
 * Unauthenticated "missing bearer token" or "malformed authorization
 * header".
 */
export function parseBearer(header: string | null | undefined): string {
  if (header === null || header === undefined || header.trim() === "") {
    throw unauthenticated("missing bearer token");
  }
  const match = /^bearer +([^\s]+)\s*$/i.exec(header.trim());
  if (match === null) {
    throw unauthenticated("malformed authorization header");
  }
  return match[1]!;
}

/**
 * Creates the verifier: local tokens against the instance's keys, JWTs of
 * trusted issuers against their JWKS (found by discovery), opaque tokens by
 * introspection at the first trusted issuer that has an endpoint and says
 * the token is active. Remote key sets live as long as the verifier, so
 * their cache and cooldown survive instance reloads.
 */
export function createTokenVerifier(
  options: TokenVerifierOptions = {},
): TokenVerifier {
  const clock = options.clock ?? (() => new Date());
  const tolerance = options.clockToleranceSec ?? 30;
  const remotes = new Map<string, KeyResolver>();
  const introspectors = new Map<
    string,
    (token: string) => Promise<IntrospectedClaims>
  >();

  const remoteKeys = (issuer: string) => {
    let keys = remotes.get(issuer);
    if (keys === undefined) {
      keys = createRemoteIssuer({
        issuer,
        fetch: options.fetch,
        cooldownMs: options.jwksCooldownMs,
      });
      remotes.set(issuer, keys);
    }
    return keys;
  };

  const verifyJwt = async (trust: InstanceTrust, token: string) => {
    let payload: JWTPayload;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
      payload = decodeJwt(token);
    } catch (error) {
      throw unauthenticated("malformed token", error);
    }
    if (alg === undefined || alg.toLowerCase() === "none") {
      throw unauthenticated("token algorithm not allowed");
    }
    const issuer = payload.iss ?? "";
    const isLocal = trust.issuerUrls.includes(issuer);
    const external = isLocal
      ? undefined
      : trust.issuers.find((candidate) => candidate.issuer === issuer);
    if (!isLocal && external === undefined) {
      throw unauthenticated("token issuer not trusted");
    }
    let verified: JWTPayload;
    try {
      const result = await jwtVerify(
        token,
        isLocal ? trust.localKeys : remoteKeys(issuer),
        {
          algorithms: isLocal ? localAlgorithms : remoteAlgorithms,
          issuer,
          audience: external?.audience ?? trust.instanceId,
          currentDate: clock(),
          clockTolerance: tolerance,
          requiredClaims: ["exp", "sub"],
        },
      );
      verified = result.payload;
    } catch (error) {
      throw unauthenticated(reasonOf(error), error);
    }
    return identityOf(
      verified,
      external?.rolesClaim ?? rolesClaim,
      (verified.exp ?? 0) * 1000,
    );
  };

  // Limitation: failed introspections are not cached, so every new opaque
  // string a caller sends costs one request to the endpoint; a flood of
  // made-up tokens reaches the issuer.
  const introspect = async (trust: InstanceTrust, token: string) => {
    const candidates = trust.issuers.filter(
      (issuer) => issuer.introspectionEndpoint !== undefined,
    );
    if (candidates.length === 0) {
      throw unauthenticated("malformed token");
    }
    let lastError: unknown;
    for (const issuer of candidates) {
      try {
        const claims = await introspectorFor(issuer)(token);
        return checkIntrospected(issuer, claims);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };

  const introspectorFor = (issuer: TrustedIssuer) => {
    // Keyed by the whole credential: two instances may use one endpoint
    // with different clients.
    const key = JSON.stringify([
      issuer.introspectionEndpoint,
      issuer.clientId,
      issuer.clientSecret,
    ]);
    let introspector = introspectors.get(key);
    if (introspector === undefined) {
      introspector = createIntrospector({
        endpoint: issuer.introspectionEndpoint!,
        clientId: issuer.clientId ?? "",
        clientSecret: issuer.clientSecret ?? "",
        fetch: options.fetch,
      });
      introspectors.set(key, introspector);
    }
    return introspector;
  };

  const checkIntrospected = (
    issuer: TrustedIssuer,
    claims: IntrospectedClaims,
  ): VerifiedToken => {
    const nowSec = clock().getTime() / 1000;
    const exp = typeof claims.exp === "number" ? claims.exp : undefined;
    if (exp !== undefined && exp + tolerance <= nowSec) {
      throw unauthenticated("token expired");
    }
    if (typeof claims.nbf === "number" && claims.nbf - tolerance > nowSec) {
      throw unauthenticated("token not yet valid");
    }
    if (typeof claims.iss === "string" && claims.iss !== issuer.issuer) {
      throw unauthenticated("token issuer not trusted");
    }
    const aud = claims.aud;
    const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    if (aud !== undefined && !audiences.includes(issuer.audience)) {
      throw unauthenticated("token audience invalid");
    }
    const bound = clock().getTime() + (options.introspectionCacheMs ?? 60_000);
    const cacheUntil = exp === undefined ? bound : Math.min(bound, exp * 1000);
    return identityOf(claims, issuer.rolesClaim, cacheUntil);
  };

  return {
    verify: (trust, token) =>
      token.split(".").length === 3
        ? verifyJwt(trust, token)
        : introspect(trust, token),
  };
}

function identityOf(
  claims: Readonly<Record<string, unknown>>,
  claimName: string,
  cacheUntilMs: number,
): VerifiedToken {
  const { roles, orgId } = readRolesClaim(claims[claimName]);
  const owner = claims[resourceOwnerClaim];
  const project = claims[projectIdClaim];
  return {
    userId: typeof claims.sub === "string" ? claims.sub : "",
    orgId: typeof owner === "string" ? owner : orgId,
    projectId: typeof project === "string" ? project : "",
    roles,
    cacheUntilMs,
  };
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "token expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return claimReason((error as { claim?: string }).claim);
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "token algorithm not allowed";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return "token signature invalid";
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JOSE_GENERIC":
      return "token issuer unavailable";
  }
  // JOSE's own errors that are left mean a token it could not parse;
  // anything else failed while fetching the issuer's keys.
  return typeof code === "string" && code.startsWith("ERR_")
    ? "malformed token"
    : "token issuer unavailable";
}

function claimReason(claim: string | undefined): string {
  switch (claim) {
    case "nbf":
    case "iat":
      return "token not yet valid";
    case "aud":
      return "token audience invalid";
    case "iss":
      return "token issuer not trusted";
    default:
      return "token claims invalid";
  }
}
