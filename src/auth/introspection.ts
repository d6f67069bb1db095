import { unauthenticated } from "./auth-error.js";

/** Options of `createIntrospector`. */
export interface IntrospectorOptions {
  /** The RFC 7662 endpoint. */
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Timeout of each request; default 5000 ms. */
  readonly timeoutMs?: number;
}

/** The claims of an active token, as the endpoint answered them. */
export type IntrospectedClaims = Readonly<Record<string, unknown>>;

/**
 * Asks an OAuth 2.0 introspection endpoint (RFC 7662) about an opaque
 * token, authenticating with client credentials (HTTP Basic, RFC 6749
 * 2.3.1). Answers the claims of an active token; throws Unauthenticated
 * "token inactive" for an inactive one and "token introspection failed"
 * when the endpoint cannot be asked. Caching is the caller's business.
 */
export function createIntrospector(
  options: IntrospectorOptions,
): (token: string) => Promise<IntrospectedClaims> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const credentials = Buffer.from(
    `${encodeURIComponent(options.clientId)}:` +
      encodeURIComponent(options.clientSecret),
  ).toString("base64");
  return async (token) => {
    let claims: Record<string, unknown>;
    try {
      const response = await fetchImpl(options.endpoint, {
        method: "POST",
        headers: {
          accept: "application/json",
          authorization: `Basic ${credentials}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          token,
          token_type_hint: "access_token",
        }).toString(),
        redirect: "error",
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      if (!response.ok) {
        throw new Error(`introspection answered ${response.status}`);
      }
      claims = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw unauthenticated("token introspection failed", error);
    }
    if (typeof claims !== "object" || claims?.active !== true) {
      throw unauthenticated("token inactive");
    }
    return claims;
  };
}
