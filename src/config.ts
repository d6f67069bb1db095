import { parseArgs } from "node:util";
import { isIP } from "node:net";
import { parseLifetime } from "./auth/token-lifetime.js";

/** The default function names, for function conditions. */
export const defaultFunctions: readonly string[] = Object.freeze([
  "preuserinfo",
  "preaccesstoken",
  "presamlresponse",
]);

/** The settings of `actionsd serve`, validated once and frozen. */
export interface ServeConfig {
  /** Interface to bind; default "127.0.0.1". */
  readonly host: string;
  /** TCP port; default 8080, 0 picks a free one. */
  readonly port: number;
  /** The data directory; default "./data". */
  readonly dataDir: string;
  /** PEM files for TLS; both set or both undefined. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** Origins allowed by CORS; "*" allows any; default none. */
  readonly corsOrigins: readonly string[];
  /** A pino level; default "info". */
  readonly logLevel: string;
  /** Largest accepted request message in bytes; default 4 MiB. */
  readonly readMaxBytes: number;
  /** Function names for function conditions; default `defaultFunctions`. */
  readonly functions: readonly string[];
  /** Domains of the default instance, for the auth layer; default none. */
  readonly domains: readonly string[];
  /** CIDR ranges or host names targets may not call; default none. */
  readonly denyTargets: readonly string[];
  /**
   * Delay in ms before each attempt of an event delivery; its length is the
   * number of attempts, and the first is always 0 (a delivery is due when
   * its event is written). Undefined means the default of 8 attempts (at
   * once, then about 1 s, 5 s, 30 s, 2 min, 10 min, 1 h and 6 h).
   */
  readonly retrySchedule: readonly number[] | undefined;
  /** Event deliveries in flight at once, over all targets; default 16. */
  readonly deliveryConcurrency: number;
  /** How long finished deliveries stay visible; default 7 days. */
  readonly deliveryRetentionMs: number;
}

/**
 * Thrown for configuration that cannot work; its message is the one line the
 * serve command prints before it exits with code 2.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const logLevels = new Set([
  "fatal",
  "error",
  "warn",
  "info",
  "debug",
  "trace",
  "silent",
]);

const functionName = /^[A-Za-z0-9_.-]{1,1000}$/;

/**
 * Reads the serve settings from flags and `ACTIONSD_*` variables; a flag wins
 * over its variable. Repeatable flags replace the variable's list rather
 * than add to it. Throws ConfigError for unknown flags or invalid values.
 */
export function parseServeConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServeConfig {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        data: { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "cors-origin": { type: "string", multiple: true },
        "log-level": { type: "string" },
        "read-max-bytes": { type: "string" },
        function: { type: "string", multiple: true },
        domain: { type: "string", multiple: true },
        "deny-target": { type: "string", multiple: true },
        "retry-schedule": { type: "string" },
        "delivery-concurrency": { type: "string" },
        "delivery-retention": { type: "string" },
      },
    }).values;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const one = (flag: string, name: string): string | undefined =>
    (values[flag] as string | undefined) ?? nonEmpty(env[name]);
  const many = (flag: string, name: string): string[] | undefined =>
    (values[flag] as string[] | undefined) ?? splitList(env[name]);

  const host = one("host", "ACTIONSD_HOST") ?? "127.0.0.1";
  const port = parseInteger(
    one("port", "ACTIONSD_PORT") ?? "8080",
    "port",
    0,
    65535,
  );
  const readMaxBytes = parseInteger(
    one("read-max-bytes", "ACTIONSD_READ_MAX_BYTES") ?? String(4 * 1024 * 1024),
    "read-max-bytes",
    1024,
    2 ** 31 - 1,
  );
  const logLevel = one("log-level", "ACTIONSD_LOG_LEVEL") ?? "info";
  if (!logLevels.has(logLevel)) {
    throw new ConfigError(`invalid log-level "${logLevel}"`);
  }
  const tlsCertFile = one("tls-cert", "ACTIONSD_TLS_CERT");
  const tlsKeyFile = one("tls-key", "ACTIONSD_TLS_KEY");
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    throw new ConfigError("tls-cert and tls-key must be given together");
  }
  const corsOrigins = many("cors-origin", "ACTIONSD_CORS_ORIGINS") ?? [];
  for (const origin of corsOrigins) {
    validateOrigin(origin);
  }
  const functions = many("function", "ACTIONSD_FUNCTIONS") ?? [
    ...defaultFunctions,
  ];
  for (const name of functions) {
    if (!functionName.test(name)) {
      throw new ConfigError(`invalid function name "${name}"`);
    }
  }
  const domains = (many("domain", "ACTIONSD_DOMAIN") ?? []).map((d) =>
    d.toLowerCase(),
  );
  for (const domain of domains) {
    if (!/^[a-z0-9.-]+$/.test(domain) && isIP(domain) === 0) {
      throw new ConfigError(`invalid domain "${domain}"`);
    }
  }
  const denyTargets = many("deny-target", "ACTIONSD_DENY_TARGETS") ?? [];
  for (const entry of denyTargets) {
    validateDenyTarget(entry);
  }
  const schedule = one("retry-schedule", "ACTIONSD_RETRY_SCHEDULE");
  const retrySchedule =
    schedule === undefined ? undefined : parseRetrySchedule(schedule);
  const deliveryConcurrency = parseInteger(
    one("delivery-concurrency", "ACTIONSD_DELIVERY_CONCURRENCY") ?? "16",
    "delivery-concurrency",
    1,
    1024,
  );
  const deliveryRetentionMs = parseDurationSetting(
    one("delivery-retention", "ACTIONSD_DELIVERY_RETENTION") ?? "7d",
    "delivery-retention",
  );
  return Object.freeze({
    host,
    port,
    dataDir: one("data", "ACTIONSD_DATA") ?? "./data",
    tlsCertFile,
    tlsKeyFile,
    corsOrigins: Object.freeze(unique(corsOrigins)),
    logLevel,
    readMaxBytes,
    functions: Object.freeze(unique(functions).sort()),
    domains: Object.freeze(unique(domains)),
    denyTargets: Object.freeze(unique(denyTargets)),
    retrySchedule:
      retrySchedule === undefined ? undefined : Object.freeze(retrySchedule),
    deliveryConcurrency,
    deliveryRetentionMs,
  });
}

// "0,1s,5s,30s,2m,10m,1h,6h": the delay before each attempt. The first is
// 0 because a delivery is due as soon as its event is committed; anything
// else would promise a wait that never happens.
function parseRetrySchedule(text: string): number[] {
  const delays = text.split(",").map((part) => part.trim());
  if (delays.length === 0 || delays.length > 100) {
    throw new ConfigError(`invalid retry-schedule "${text}": 1 to 100 delays`);
  }
  if (delays[0] !== "0") {
    throw new ConfigError(
      `invalid retry-schedule "${text}": the first attempt is at once, start with 0`,
    );
  }
  return delays.map((delay) =>
    delay === "0" ? 0 : parseDurationSetting(delay, "retry-schedule"),
  );
}

function parseDurationSetting(text: string, name: string): number {
  try {
    return parseLifetime(text);
  } catch (error) {
    throw new ConfigError(`invalid ${name}: ${(error as Error).message}`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function splitList(value: string | undefined): string[] | undefined {
  if (nonEmpty(value) === undefined) {
    return undefined;
  }
  return value!
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function parseInteger(
  text: string,
  name: string,
  min: number,
  max: number,
): number {
  if (!/^\d+$/.test(text)) {
    throw new ConfigError(`invalid ${name} "${text}": not a whole number`);
  }
  const value = Number(text);
  if (value < min || value > max) {
    throw new ConfigError(`invalid ${name} ${text}: allowed ${min}..${max}`);
  }
  return value;
}

function validateOrigin(origin: string): void {
  if (origin === "*") {
    return;
  }
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ConfigError(`invalid cors-origin "${origin}"`);
  }
  // A browser sends the origin without path or trailing slash, so anything
  // else would never match.
  if (url.origin !== origin) {
    throw new ConfigError(
      `invalid cors-origin "${origin}": use scheme://host[:port]`,
    );
  }
}

function validateDenyTarget(entry: string): void {
  const slash = entry.indexOf("/");
  if (slash >= 0) {
    const address = entry.slice(0, slash);
    const bits = entry.slice(slash + 1);
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || !/^\d+$/.test(bits) || Number(bits) > max) {
      throw new ConfigError(`invalid deny-target "${entry}"`);
    }
    return;
  }
  if (isIP(entry) === 0 && !/^[A-Za-z0-9*.-]+$/.test(entry)) {
    throw new ConfigError(`invalid deny-target "${entry}"`);
  }
}
