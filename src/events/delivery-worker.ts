import type { Db } from "../store/database.js";
import { silentLogger, type RuntimeLogger } from "../runtime/runtime-logger.js";
import type { CallOptions, TargetCaller } from "../runtime/target-caller.js";
import { TargetCallError } from "../runtime/target-call-error.js";
import type { AttemptOutcome, DeliveryAttempt } from "./delivery.js";
import { createDeliveryStore, type DueDelivery } from "./delivery-store.js";
import {
  createDeliveryTargetLookup,
  type DeliveryTargetLookup,
} from "./delivery-targets.js";
import {
  backoffDelay,
  classifyFailure,
  defaultRetrySchedule,
} from "./retry-policy.js";

/** Options of `createDeliveryWorker`. */
export interface DeliveryWorkerOptions {
  readonly db: Db;
  /** Opens target signing keys; 32 bytes, as the action store's. */
  readonly secretKey: Uint8Array;
  /** The shared target caller (deny list, signing, connection reuse). */
  readonly caller: TargetCaller;
  /**
   * Delay in ms before each attempt; its length is the number of
   * attempts. Default `defaultRetrySchedule` (8 attempts, up to 6 h).
   */
  readonly schedule?: readonly number[];
  /** Spread of each delay as a fraction (±). Default 0.2. */
  readonly jitter?: number;
  /** Sends in flight in total. Default 16. */
  readonly maxConcurrency?: number;
  /** Sends in flight per target; 1 keeps event order. Default 1. */
  readonly perTargetConcurrency?: number;
  /** Longest wait between two looks at the outbox. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** How long finished deliveries stay visible. Default 7 days. */
  readonly retentionMs?: number;
  /** How often old deliveries are pruned. Default 1 h. */
  readonly pruneIntervalMs?: number;
  /** How long `stop` waits for sends in flight. Default 5000 ms. */
  readonly stopTimeoutMs?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number;
  /** For jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Default: silent. Gets ids, statuses and reasons only. */
  readonly logger?: RuntimeLogger;
  /** Default: reads the targets table (`createDeliveryTargetLookup`). */
  readonly lookupTarget?: DeliveryTargetLookup;
}

/** The sender of pending deliveries. */
export interface DeliveryWorker {
  /**
   * Starts sending: pending deliveries that are due go out at once, those
   * that were in flight when a previous process died included; a retry
   * keeps the due time it was given. Calling it twice does nothing.
   */
  start(): void;
  /** Looks at the outbox now instead of at the next poll. */
  wake(): void;
  /**
   * Stops taking deliveries, waits up to `stopTimeoutMs` for sends in
   * flight, then cancels the rest, which stay pending (so they are sent
   * again, at least once, after a restart). Call it before closing the
   * database.
   */
  stop(): Promise<void>;
  /** Sends in flight now; for tests and the benchmark. */
  inFlight(): number;
}

/**
 * Creates the delivery worker of the server process. It never runs on a
 * request's path: API calls only append outbox rows, and the worker sends
 * them from timers, with short statements and one short transaction per
 * attempt, so a slow or hanging receiver holds a connection, never the
 * database or the event loop. Each attempt is recorded (time, status,
 * duration, error); the `webhook-id` is "msg_" and the delivery id on every
 * attempt. Retries follow `classifyFailure` and the schedule, a receiver's
 * `Retry-After` replacing the scheduled delay; a deleted target fails the
 * delivery at once.
 * Limitation: a delivery waiting for a retry does not hold back later
 * deliveries to the same target, so order per target holds only while no
 * attempt fails.
 */
export function createDeliveryWorker(
  options: DeliveryWorkerOptions,
): DeliveryWorker {
  const store = createDeliveryStore(options.db);
  const lookup =
    options.lookupTarget ??
    createDeliveryTargetLookup(options.db, options.secretKey);
  const schedule = options.schedule ?? defaultRetrySchedule;
  if (schedule.length === 0) {
    throw new RangeError("the retry schedule needs at least one attempt");
  }
  const jitter = options.jitter ?? 0.2;
  const maxConcurrency = options.maxConcurrency ?? 16;
  const perTarget = options.perTargetConcurrency ?? 1;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
  const pruneIntervalMs = options.pruneIntervalMs ?? 3_600_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;

  const sending = new Map<string, Promise<void>>();
  const busyTargets = new Map<string, number>();
  let running = false;
  let stopping: Promise<void> | undefined;
  let cancel = new AbortController();
  let pollTimer: NodeJS.Timeout | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let wakeQueued = false;

  function wake(): void {
    if (!running || wakeQueued) {
      return;
    }
    wakeQueued = true;
    // Deferred: wake is called inside the appending transaction, whose rows
    // are visible only after it commits.
    setImmediate(() => {
      wakeQueued = false;
      pump();
    });
  }

  function pump(): void {
    if (!running) {
      return;
    }
    clearTimeout(pollTimer);
    let nextDue: number | undefined;
    try {
      const slots = maxConcurrency - sending.size;
      let free = slots;
      if (free > 0) {
        const skip = [...busyTargets]
          .filter(([, count]) => count >= perTarget)
          .map(([id]) => id);
        const rows = store.due(clock(), free, perTarget, skip);
        for (const row of rows) {
          if ((busyTargets.get(row.targetId) ?? 0) >= perTarget) {
            continue;
          }
          begin(row);
          free -= 1;
        }
        // A full batch may hide more due rows behind skipped ones.
        if (free > 0 && rows.length === slots) {
          wake();
        }
      }
      nextDue = store.nextDueAt();
    } catch (error) {
      logger.error(
        { reason: (error as Error).message },
        "event delivery poll failed",
      );
    }
    // A row due already is one this pump could not take (its target or
    // every slot is busy); the end of a send wakes the worker for it, so
    // only future rows shorten the wait.
    const now = clock();
    const wait =
      nextDue === undefined || nextDue <= now
        ? pollIntervalMs
        : Math.min(pollIntervalMs, nextDue - now);
    pollTimer = setTimeout(pump, wait);
    pollTimer.unref();
  }

  function begin(row: DueDelivery): void {
    busyTargets.set(row.targetId, (busyTargets.get(row.targetId) ?? 0) + 1);
    const done = attempt(row).finally(() => {
      sending.delete(row.id);
      const left = (busyTargets.get(row.targetId) ?? 1) - 1;
      if (left === 0) {
        busyTargets.delete(row.targetId);
      } else {
        busyTargets.set(row.targetId, left);
      }
      wake();
    });
    sending.set(row.id, done);
  }

  async function attempt(row: DueDelivery): Promise<void> {
    const number = row.attemptCount + 1;
    const startedAt = clock();
    let statusCode = 0;
    let error = "";
    let outcome: AttemptOutcome;
    try {
      const target = lookup(row.instanceId, row.targetId);
      if (target === undefined) {
        error = `target ${row.targetId} no longer exists`;
        outcome = { status: "failed" };
      } else {
        // messageId keeps the webhook-id of every attempt the same, so
        // receivers can drop duplicates.
        const callOptions: CallOptions & { readonly messageId: string } = {
          readBody: false,
          signal: cancel.signal,
          messageId: row.id,
        };
        const response = await options.caller.call(
          target,
          row.body,
          callOptions,
        );
        statusCode = response.status;
        outcome = { status: "succeeded" };
      }
    } catch (failure) {
      if (
        failure instanceof TargetCallError &&
        failure.kind === "canceled"
      ) {
        // Stopped mid-send: the delivery stays pending and is sent again.
        return;
      }
      const now = clock();
      const verdict = classifyFailure(failure, now);
      statusCode = verdict.statusCode;
      error = verdict.reason;
      const used = row.budgetUsed + 1;
      outcome =
        verdict.retryable && used < schedule.length
          ? {
              status: "pending",
              nextAttemptAt:
                now +
                (verdict.retryAfterMs ??
                  backoffDelay(schedule, used, jitter, random)),
            }
          : { status: "failed" };
    }
    const record: DeliveryAttempt = {
      number,
      startedAt,
      durationMs: Math.max(0, clock() - startedAt),
      statusCode,
      error,
    };
    try {
      store.recordAttempt(row.id, record, outcome);
    } catch (failure) {
      // Unrecorded, the delivery stays pending and is sent again.
      logger.error(
        { delivery_id: row.id, reason: (failure as Error).message },
        "event delivery not recorded",
      );
      return;
    }
    if (outcome.status === "failed") {
      logger.warn(
        {
          delivery_id: row.id,
          target_id: row.targetId,
          status: statusCode,
          attempts: number,
          reason: error,
        },
        "event delivery failed",
      );
    }
  }

  function prune(): void {
    if (!running) {
      return;
    }
    try {
      const before = clock() - retentionMs;
      // Small batches, one event-loop turn apart, keep each write short.
      if (store.prune(before, 500) === 500) {
        setImmediate(prune);
      }
    } catch (error) {
      logger.error(
        { reason: (error as Error).message },
        "event delivery pruning failed",
      );
    }
  }

  return {
    start() {
      if (running || stopping !== undefined) {
        return;
      }
      running = true;
      cancel = new AbortController();
      pruneTimer = setInterval(prune, pruneIntervalMs);
      pruneTimer.unref();
      prune();
      wake();
    },
    wake,
    stop() {
      stopping ??= (async () => {
        running = false;
        clearTimeout(pollTimer);
        clearInterval(pruneTimer);
        if (sending.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            Promise.allSettled([...sending.values()]),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, stopTimeoutMs);
            }),
          ]);
          clearTimeout(timer);
        }
        cancel.abort();
        await Promise.allSettled([...sending.values()]);
      })();
      return stopping;
    },
    inFlight: () => sending.size,
  };
}
