import { createContextKey } from "@connectrpc/connect";

/**
 * The verified identity behind a call, bound to exactly one instance. The
 * auth interceptor puts it into the call's context values; handlers and the
 * execution runtime read it with `context.values.get(callerKey)`.
 */
export interface Caller {
  /** The instance the call belongs to; every read and write is scoped by it. */
  readonly instanceId: string;
  /** The token's subject. */
  readonly userId: string;
  /** The organization of the caller's roles, when the token names one. */
  readonly orgId: string;
  /** The project the token was issued for, when it names one. */
  readonly projectId: string;
  readonly roles: readonly string[];
  readonly permissions: ReadonlySet<string>;
}

/**
 * The caller of the current call, or undefined where no interceptor set one
 * (health and reflection need no token).
 */
export const callerKey = createContextKey<Caller | undefined>(undefined, {
  description: "the verified caller",
});

/**
 * The host the request was sent to (`:authority` on HTTP/2, `Host` on
 * HTTP/1.1), as the transport saw it, port included. Set by the server for
 * every call, so the auth interceptor can pick the instance.
 */
export const requestHostKey = createContextKey<string>("", {
  description: "the request's host",
});
