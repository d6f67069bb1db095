import { TargetCallError } from "../runtime/target-call-error.js";

/**
 * The default delays before each attempt, in milliseconds: at once, then
 * after about 1 s, 5 s, 30 s, 2 min, 10 min, 1 h and 6 h; its length is the
 * number of attempts (8).
 */
export const defaultRetrySchedule: readonly number[] = Object.freeze([
  0,
  1_000,
  5_000,
  30_000,
  120_000,
  600_000,
  3_600_000,
  21_600_000,
]);

/** The longest `Retry-After` honoured: a day. */
export const maxRetryAfterMs = 24 * 3_600_000;

/** How an attempt's failure is treated. */
export interface FailureVerdict {
  /** Whether another attempt may succeed. */
  readonly retryable: boolean;
  /** The HTTP status, 0 when there was none. */
  readonly statusCode: number;
  /** The receiver's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** Why, for the history; never a body or a header. */
  readonly reason: string;
}

/**
 * Classifies a failed send: transport errors, timeouts, 408, 429 and 5xx
 * are retried; any other status (4xx, and 3xx since redirects are not
 * followed), a denied endpoint and anything unexpected fail at once.
 */
export function classifyFailure(error: unknown, now: number): FailureVerdict {
  if (!(error instanceof TargetCallError)) {
    return {
      retryable: false,
      statusCode: 0,
      retryAfterMs: undefined,
      reason: "internal error",
    };
  }
  const statusCode = error.status ?? 0;
  const retryable =
    error.kind === "timeout" ||
    error.kind === "transport" ||
    (error.kind === "status" &&
      (statusCode === 408 || statusCode === 429 || statusCode >= 500));
  const header = (error as { retryAfter?: unknown }).retryAfter;
  return {
    retryable,
    statusCode,
    retryAfterMs:
      typeof header === "string" ? parseRetryAfter(header, now) : undefined,
    reason: error.message,
  };
}

/**
 * Reads a `Retry-After` value: delay seconds or an HTTP date. Answers the
 * wait in milliseconds, at most a day; undefined when it does not parse.
 */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const text = value.trim();
  let wait: number;
  if (/^\d+$/.test(text)) {
    wait = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) {
      return undefined;
    }
    wait = Math.max(0, date - now);
  }
  return Math.min(wait, maxRetryAfterMs);
}

/**
 * The delay before attempt `next` (0-based) of `schedule`, spread by up to
 * `jitter` (a fraction, e.g. 0.2 for ±20%) so that deliveries failing
 * together do not come back together.
 */
export function backoffDelay(
  schedule: readonly number[],
  next: number,
  jitter: number,
  random: () => number,
): number {
  const base = schedule[Math.min(next, schedule.length - 1)] ?? 0;
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}
