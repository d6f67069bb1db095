import type { Interceptor } from "@connectrpc/connect";
import { getOption, type DescMethod } from "@bufbuild/protobuf";
import { options as zitadelOptions } from "../../gen/zitadel/protoc_gen_zitadel/v2/options_pb.js";
import { DomainError, failedPrecondition } from "../errors/domain-error.js";
import { toConnectError } from "../errors/connect-error.js";
import type { Db } from "../store/database.js";
import { callerKey, requestHostKey, type Caller } from "./caller.js";
import { noMatchingPermissions } from "./auth-error.js";
import { authProbeKey, probePassed, type AuthProbe } from "./auth-probe.js";
import {
  createInstanceDirectory,
  type InstanceDirectory,
} from "./instance-directory.js";
import {
  defaultRolePermissions,
  permissionsForRoles,
  type RolePermissions,
} from "./permissions.js";
import { normalizeHost } from "./request-host.js";
import {
  createTokenVerifier,
  parseBearer,
  type InstanceTrust,
} from "./token-verifier.js";

/** Options of `createAuthInterceptor`. */
export interface AuthInterceptorOptions {
  readonly db: Db;
  /** Default: the system clock. */
  readonly clock?: () => Date;
  /** For discovery, JWKS and introspection; default the global fetch. */
  readonly fetch?: typeof fetch;
  /** Only debug lines about rejected calls, never tokens or headers. */
  readonly logger?: { debug(fields: object, message: string): void };
  /** Role to permissions; default `defaultRolePermissions`. */
  readonly roleMapping?: RolePermissions;
  /** Least time between two JWKS fetches per issuer; default 30000 ms. */
  readonly jwksCooldownMs?: number;
  /** Longest reuse of an introspection answer; default 60000 ms. */
  readonly introspectionCacheMs?: number;
  /** Most verified tokens kept in memory; default 10000. */
  readonly tokenCacheSize?: number;
  /** A directory to share, e.g. to invalidate it; default a new one. */
  readonly directory?: InstanceDirectory;
}

// The name lists stay reachable with the feature off, so a console can
// still show what could be configured.
const allowedWhenDisabled = new Set([
  "ListExecutionFunctions",
  "ListExecutionMethods",
  "ListExecutionServices",
]);

/**
 * The auth interceptor, first after logging. Per call: health and
 * reflection pass untouched; the request's host picks the instance
 * (NotFound for a host no instance claims); the bearer token must verify
 * for that instance (Unauthenticated otherwise); the method's
 * `auth_option.permission` must be granted by the token's roles
 * (PermissionDenied `AUTH-5mWD2`); with the feature `actions` off every
 * RPC but the three name lists is FailedPrecondition `ACTION-8o6pvqfjhs`.
 * Then the Caller goes into `callerKey`. It runs before request
 * validation. Verified tokens are cached until their expiry (introspected
 * ones at most `introspectionCacheMs`); changes by the CLI are seen on the
 * next call.
 *
 * Connect decodes the request message before any interceptor runs; a
 * request refused that early is probed (see auth-probe.ts), so its caller
 * still meets this check first. A probe that passes ends here, before any
 * other interceptor or the handler.
 */
export function createAuthInterceptor(
  options: AuthInterceptorOptions,
): Interceptor {
  const clock = options.clock ?? (() => new Date());
  const mapping = options.roleMapping ?? defaultRolePermissions;
  const directory = options.directory ?? createInstanceDirectory(options.db);
  const verifier = createTokenVerifier({
    clock,
    fetch: options.fetch,
    jwksCooldownMs: options.jwksCooldownMs,
    introspectionCacheMs: options.introspectionCacheMs,
  });
  const cache = createCallerCache(options.tokenCacheSize ?? 10_000);
  const permissionOf = createPermissionLookup();
  let cacheGeneration = -1;

  const authenticate = async (
    instanceId: string,
    token: string,
    trust: InstanceTrust,
  ): Promise<Caller> => {
    const generation = directory.trustGeneration();
    if (generation !== cacheGeneration) {
      cache.clear();
      cacheGeneration = generation;
    }
    const key = `${instanceId} ${token}`;
    const nowMs = clock().getTime();
    const cached = cache.get(key, nowMs);
    if (cached !== undefined) {
      return cached;
    }
    const verified = await verifier.verify(trust, token);
    const caller: Caller = {
      instanceId,
      userId: verified.userId,
      orgId: verified.orgId,
      projectId: verified.projectId,
      roles: verified.roles,
      permissions: permissionsForRoles(verified.roles, mapping),
    };
    cache.set(key, caller, verified.cacheUntilMs);
    return caller;
  };

  return (next) => async (req) => {
    const serviceName = req.service.typeName;
    const probe = req.contextValues.get(authProbeKey);
    if (
      serviceName.startsWith("grpc.health.v1.") ||
      serviceName.startsWith("grpc.reflection.")
    ) {
      return probe === undefined ? next(req) : endProbe(probe);
    }
    try {
      const entry = directory.findByHost(
        normalizeHost(req.contextValues.get(requestHostKey)),
      );
      if (entry === undefined) {
        throw new DomainError(
          "notFound",
          "AUTH-9ckq1",
          "Errors.Instance.NotFound",
          "Instance not found",
        );
      }
      const token = parseBearer(req.header.get("authorization"));
      const caller = await authenticate(
        entry.instance.id,
        token,
        entry.trust,
      );
      const permission = permissionOf(req.method);
      if (permission !== "" && !caller.permissions.has(permission)) {
        throw noMatchingPermissions();
      }
      if (
        !entry.instance.actionsEnabled &&
        !allowedWhenDisabled.has(req.method.name)
      ) {
        throw failedPrecondition(
          "ACTION-8o6pvqfjhs",
          "Errors.Action.NotEnabled",
          "Actions are not enabled",
        );
      }
      req.contextValues.set(callerKey, caller);
    } catch (error) {
      options.logger?.debug(
        { procedure: req.url, reason: (error as Error).message },
        "call rejected",
      );
      throw toConnectError(error);
    }
    return probe === undefined ? next(req) : endProbe(probe);
  };
}

// The caller would be let in; the probe's empty message goes no further.
function endProbe(probe: AuthProbe): never {
  probe.passed = true;
  throw probePassed;
}

/** Reads each method's required permission once. */
function createPermissionLookup(): (method: DescMethod) => string {
  const known = new Map<DescMethod, string>();
  return (method) => {
    let permission = known.get(method);
    if (permission === undefined) {
      const option = getOption(method, zitadelOptions);
      permission = option?.authOption?.permission ?? "";
      known.set(method, permission);
    }
    return permission;
  };
}

interface CallerCache {
  get(key: string, nowMs: number): Caller | undefined;
  set(key: string, caller: Caller, untilMs: number): void;
  clear(): void;
}

/**
 * A bounded map of verified callers. When full, the oldest entry goes
 * (Map keeps insertion order), which is cheap and good enough for tokens
 * that are reused in bursts.
 */
function createCallerCache(maxSize: number): CallerCache {
  const entries = new Map<string, { caller: Caller; untilMs: number }>();
  return {
    get: (key, nowMs) => {
      const entry = entries.get(key);
      if (entry === undefined) {
        return undefined;
      }
      if (entry.untilMs <= nowMs) {
        entries.delete(key);
        return undefined;
      }
      return entry.caller;
    },
    set: (key, caller, untilMs) => {
      if (entries.size >= maxSize) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) {
          entries.delete(oldest.value);
        }
      }
      entries.set(key, { caller, untilMs });
    },
    clear: () => entries.clear(),
  };
}
