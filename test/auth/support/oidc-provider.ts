// A small OpenID provider on loopback for the external-issuer tests: a
// discovery document, a JWKS that can be rotated, and an RFC 7662
// introspection endpoint guarded by client credentials.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";

export interface OidcProvider {
  readonly issuer: string;
  readonly introspectionEndpoint: string;
  /** How many times each path was requested. */
  readonly hits: Map<string, number>;
  /** Signs claims with the current key (RS256), `iss` set. */
  sign(claims: JWTPayload): Promise<string>;
  /** Makes a new current key; the JWKS then serves only the new one. */
  rotate(): Promise<string>;
  /** Makes `token` introspect as active with these claims. */
  register(token: string, claims: Record<string, unknown>): void;
  close(): Promise<void>;
}

export const clientId = "actionsd";
export const clientSecret = "s3cret:with/odd chars";

export async function startOidcProvider(): Promise<OidcProvider> {
  let current = await newKey(0);
  let generation = 0;
  const hits = new Map<string, number>();
  const opaque = new Map<string, Record<string, unknown>>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/.well-known/openid-configuration") {
      json(200, {
        issuer,
        jwks_uri: `${issuer}/keys`,
        introspection_endpoint: `${issuer}/introspect`,
      });
    } else if (path === "/keys") {
      json(200, { keys: [current.publicJwk] });
    } else if (path === "/introspect" && req.method === "POST") {
      const expected =
        "Basic " +
        Buffer.from(
          `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
        ).toString("base64");
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        if (req.headers.authorization !== expected) {
          json(401, { error: "invalid_client" });
          return;
        }
        const token = new URLSearchParams(body).get("token") ?? "";
        const claims = opaque.get(token);
        json(200, claims === undefined ? { active: false } : { active: true, ...claims });
      });
    } else {
      json(404, {});
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    introspectionEndpoint: `${issuer}/introspect`,
    hits,
    sign: (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: current.kid })
        .setIssuer(issuer)
        .sign(current.privateKey),
    rotate: async () => {
      generation += 1;
      current = await newKey(generation);
      return current.kid;
    },
    register: (token, claims) => {
      opaque.set(token, claims);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function newKey(generation: number) {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const kid = `key-${generation}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, publicJwk };
}
