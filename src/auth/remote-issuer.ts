import {
  createRemoteJWKSet,
  customFetch,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
} from "jose";

/** Resolves the key of a token's header, as `jwtVerify` takes it. */
export type KeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey>;

/** Options of `createRemoteIssuer`. */
export interface RemoteIssuerOptions {
  /** The issuer URL; discovery is below it at `.well-known/`. */
  readonly issuer: string;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /**
   * The least time between two JWKS fetches, so tokens naming unknown kids
   * cannot make the server hammer the issuer. Also how long a failed
   * discovery is remembered. Default 30000 ms.
   */
  readonly cooldownMs?: number;
  /** Timeout of each HTTP request; default 5000 ms. */
  readonly timeoutMs?: number;
}

/** Thrown when the issuer's discovery document cannot be used. */
export class IssuerUnavailableError extends Error {
  override readonly name = "IssuerUnavailableError";
}

/**
 * The signing keys of an external OpenID Connect issuer: the JWKS URL comes
 * from the discovery document, fetched on first use; the JWKS is cached and
 * refetched when a token names an unknown kid, at most once per cooldown.
 */
export function createRemoteIssuer(options: RemoteIssuerOptions): KeyResolver {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let jwks: KeyResolver | undefined;
  let pending: Promise<KeyResolver> | undefined;
  let failedAt = -Infinity;

  const discover = async (): Promise<KeyResolver> => {
    const base = options.issuer.replace(/\/+$/, "");
    const url = `${base}/.well-known/openid-configuration`;
    const response = await fetchImpl(url, {
      headers: { accept: "application/json" },
      redirect: "error",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      throw new IssuerUnavailableError(`discovery answered ${response.status}`);
    }
    const document = (await response.json()) as Record<string, unknown>;
    // The document must be the issuer's own (OpenID Connect Discovery 4.3).
    if (document.issuer !== options.issuer) {
      throw new IssuerUnavailableError("discovery names another issuer");
    }
    if (typeof document.jwks_uri !== "string") {
      throw new IssuerUnavailableError("discovery has no jwks_uri");
    }
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: cooldownMs,
      timeoutDuration: timeoutMs,
      [customFetch]: (input, init) => fetchImpl(input, init),
    });
  };

  return async (header, token) => {
    if (jwks === undefined) {
      if (Date.now() - failedAt < cooldownMs) {
        throw new IssuerUnavailableError("discovery failed recently");
      }
      pending ??= discover();
      try {
        jwks = await pending;
      } catch (error) {
        failedAt = Date.now();
        throw error instanceof IssuerUnavailableError
          ? error
          : new IssuerUnavailableError("discovery failed", { cause: error });
      } finally {
        pending = undefined;
      }
    }
    return jwks(header, token);
  };
}
