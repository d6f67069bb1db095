import { cors as connectCors } from "@connectrpc/connect";
import type { RequestHandler } from "./listener.js";

/** Options of `withCors`. */
export interface CorsOptions {
  /** Allowed origins ("https://app.example.com"); "*" allows any. */
  readonly origins: readonly string[];
  /** Seconds a browser may cache a preflight answer; default 7200. */
  readonly maxAgeSeconds?: number;
}

const allowedHeaders = [
  ...connectCors.allowedHeaders,
  "Authorization",
  "X-Request-Id",
].join(", ");
const exposedHeaders = [...connectCors.exposedHeaders, "X-Request-Id"].join(
  ", ",
);
const allowedMethods = [
  ...new Set([...connectCors.allowedMethods, "PUT", "DELETE", "PATCH"]),
].join(", ");

/**
 * Wraps a handler with CORS for browser clients on every path. A request
 * from an allowed origin gets Access-Control-Allow-Origin and the exposed
 * Connect, gRPC-web and request-id headers. A preflight (OPTIONS with
 * Access-Control-Request-Method) is answered here: 204 with the allowed
 * methods and headers (those of Connect plus Authorization) for an allowed
 * origin, 403 for any other. Without configured origins the handler is
 * returned unchanged. Credentials (cookies) are never allowed; calls carry
 * a bearer token instead.
 */
export function withCors(
  handler: RequestHandler,
  options: CorsOptions,
): RequestHandler {
  if (options.origins.length === 0) {
    return handler;
  }
  const anyOrigin = options.origins.includes("*");
  const origins = new Set(options.origins);
  const maxAge = String(options.maxAgeSeconds ?? 7200);
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined) {
      handler(req, res);
      return;
    }
    const isAllowed = anyOrigin || origins.has(origin);
    const isPreflight =
      req.method === "OPTIONS" &&
      req.headers["access-control-request-method"] !== undefined;
    if (isAllowed) {
      res.setHeader("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
      res.setHeader("Access-Control-Expose-Headers", exposedHeaders);
    }
    if (!anyOrigin) {
      // Caches must not hand one origin's answer to another.
      res.setHeader("Vary", "Origin");
    }
    if (!isPreflight) {
      handler(req, res);
      return;
    }
    if (!isAllowed) {
      res.statusCode = 403;
      res.end();
      return;
    }
    res.statusCode = 204;
    res.setHeader("Access-Control-Allow-Methods", allowedMethods);
    res.setHeader("Access-Control-Allow-Headers", allowedHeaders);
    res.setHeader("Access-Control-Max-Age", maxAge);
    res.end();
  };
}
