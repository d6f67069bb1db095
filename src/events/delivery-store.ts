import type { Db } from "../store/database.js";
import type { ListPage } from "../domain/list-query.js";
import type {
  AttemptOutcome,
  Delivery,
  DeliveryAttempt,
  DeliveryFilter,
  NewDelivery,
} from "./delivery.js";

/** A due delivery as the worker sends it. */
export interface DueDelivery {
  readonly id: string;
  readonly instanceId: string;
  readonly targetId: string;
  readonly body: string;
  readonly attemptCount: number;
  readonly budgetUsed: number;
}

/** One page of deliveries and the count of all matches. */
export interface DeliveryPage {
  readonly total: number;
  readonly deliveries: Delivery[];
}

/** What `retry` found. */
export type RetryResult = "retried" | "notFound" | "notFailed";

/**
 * The outbox and history tables. Every statement is short and indexed:
 * the worker runs in the server process, so a long query or transaction
 * here would delay API calls.
 */
export interface DeliveryStore {
  /**
   * Adds a pending delivery, due at `createdAt`; runs inside the caller's
   * transaction.
   */
  enqueue(delivery: NewDelivery): void;
  /**
   * Up to `limit` pending deliveries due at `now`, at most `perTarget` of
   * each target, oldest due first (so in event order per target),
   * skipping the targets in `skipTargets`.
   */
  due(
    now: number,
    limit: number,
    perTarget: number,
    skipTargets: readonly string[],
  ): DueDelivery[];
  /** When the next pending delivery is due, or undefined when none is. */
  nextDueAt(): number | undefined;
  /** Records an attempt and its outcome in one short transaction. */
  recordAttempt(
    id: string,
    attempt: DeliveryAttempt,
    outcome: AttemptOutcome,
  ): void;
  list(
    instanceId: string,
    filters: readonly DeliveryFilter[],
    page: ListPage,
  ): DeliveryPage;
  /** A delivery of the instance and its attempts, oldest first. */
  get(
    instanceId: string,
    id: string,
  ): { delivery: Delivery; attempts: DeliveryAttempt[] } | undefined;
  /** Puts a failed delivery back, due at `now`, with a fresh budget. */
  retry(instanceId: string, id: string, now: number): RetryResult;
  /**
   * Deletes up to `limit` finished deliveries (and their attempts) that
   * finished before `before`; answers how many. Small batches keep each
   * write short.
   */
  prune(before: number, limit: number): number;
}

interface DeliveryRow {
  id: number;
  instance_id: string;
  event_position: number;
  event_type: string;
  execution_id: string;
  target_id: string;
  body: string;
  status: Delivery["status"];
  attempt_count: number;
  budget_used: number;
  next_attempt_at: number | null;
  last_error: string;
  created_at: number;
  finished_at: number | null;
}

/** Creates the delivery store over `db`, statements prepared once. */
export function createDeliveryStore(db: Db): DeliveryStore {
  const insert = db.prepare(
    `INSERT INTO deliveries (instance_id, event_position, event_type,
       execution_id, target_id, body, status, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  // Walks the distinct targets with pending rows through the index (a
  // loose index scan), then takes each free target's oldest due rows, so
  // a large backlog of a busy target costs one index step, not a scan.
  const due = db.prepare(
    `WITH RECURSIVE pending_targets(id) AS (
       SELECT (SELECT min(target_id) FROM deliveries
               INDEXED BY deliveries_pending_by_target
               WHERE status = 'pending')
       UNION ALL
       SELECT (SELECT min(target_id) FROM deliveries
               INDEXED BY deliveries_pending_by_target
               WHERE status = 'pending' AND target_id > pending_targets.id)
       FROM pending_targets WHERE pending_targets.id IS NOT NULL
     )
     SELECT d.id, d.instance_id, d.target_id, d.body, d.attempt_count,
       d.budget_used
     FROM pending_targets JOIN deliveries d ON d.id IN (
       SELECT id FROM deliveries INDEXED BY deliveries_pending_by_target
       WHERE status = 'pending' AND target_id = pending_targets.id
         AND next_attempt_at <= ?
       ORDER BY next_attempt_at, id LIMIT ?)
     WHERE pending_targets.id IS NOT NULL
       AND pending_targets.id NOT IN (SELECT value FROM json_each(?))
     ORDER BY d.next_attempt_at, d.id LIMIT ?`,
  );
  const nextDue = db
    .prepare(
      `SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'`,
    )
    .pluck();
  const insertAttempt = db.prepare(
    `INSERT INTO delivery_attempts (delivery_id, number, started_at,
       duration_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const updateAfterAttempt = db.prepare(
    `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1,
       budget_used = budget_used + 1, next_attempt_at = ?, last_error = ?,
       finished_at = ?
     WHERE id = ? AND status = 'pending'`,
  );
  const find = db.prepare(
    `SELECT * FROM deliveries WHERE instance_id = ? AND id = ?`,
  );
  const attempts = db.prepare(
    `SELECT number, started_at AS startedAt, duration_ms AS durationMs,
       status_code AS statusCode, error
     FROM delivery_attempts WHERE delivery_id = ? ORDER BY number`,
  );
  const retry = db.prepare(
    `UPDATE deliveries SET status = 'pending', budget_used = 0,
       next_attempt_at = ?, finished_at = NULL
     WHERE instance_id = ? AND id = ? AND status = 'failed'`,
  );
  const prunable = db
    .prepare(
      `SELECT id FROM deliveries INDEXED BY deliveries_finished
       WHERE status <> 'pending' AND finished_at < ? LIMIT ?`,
    )
    .pluck();
  const pruneAttempts = db.prepare(
    `DELETE FROM delivery_attempts WHERE delivery_id = ?`,
  );
  const pruneDelivery = db.prepare(`DELETE FROM deliveries WHERE id = ?`);

  const record = db.transaction(
    (id: string, attempt: DeliveryAttempt, outcome: AttemptOutcome) => {
      insertAttempt.run(
        id,
        attempt.number,
        attempt.startedAt,
        attempt.durationMs,
        attempt.statusCode,
        attempt.error,
      );
      updateAfterAttempt.run(
        outcome.status,
        outcome.status === "pending" ? outcome.nextAttemptAt : null,
        attempt.error,
        outcome.status === "pending"
          ? null
          : attempt.startedAt + attempt.durationMs,
        id,
      );
    },
  );
  const read = db.transaction(
    (instanceId: string, filters: readonly DeliveryFilter[], page: ListPage) => {
      const { where, params } = whereClause(instanceId, filters);
      const total = db
        .prepare(`SELECT count(*) FROM deliveries WHERE ${where}`)
        .pluck()
        .get(...params) as number;
      const rows = db
        .prepare(
          `SELECT * FROM deliveries WHERE ${where}
           ORDER BY id ${page.asc ? "ASC" : "DESC"} LIMIT ? OFFSET ?`,
        )
        .all(...params, page.limit, page.offset) as DeliveryRow[];
      return { total, deliveries: rows.map(toDelivery) };
    },
  );
  const prune = db.transaction((before: number, limit: number) => {
    const ids = prunable.all(before, limit) as number[];
    for (const id of ids) {
      pruneAttempts.run(id);
      pruneDelivery.run(id);
    }
    return ids.length;
  });

  return {
    enqueue(delivery) {
      insert.run(
        delivery.instanceId,
        delivery.eventPosition,
        delivery.eventType,
        delivery.executionId,
        delivery.targetId,
        delivery.body,
        delivery.createdAt,
        delivery.createdAt,
      );
    },
    due(now, limit, perTarget, skipTargets) {
      const rows = due.all(
        now,
        perTarget,
        JSON.stringify(skipTargets),
        limit,
      ) as Array<{
        id: number;
        instance_id: string;
        target_id: string;
        body: string;
        attempt_count: number;
        budget_used: number;
      }>;
      return rows.map((row) => ({
        id: String(row.id),
        instanceId: row.instance_id,
        targetId: row.target_id,
        body: row.body,
        attemptCount: row.attempt_count,
        budgetUsed: row.budget_used,
      }));
    },
    nextDueAt() {
      const value = nextDue.get() as number | null;
      return value ?? undefined;
    },
    recordAttempt(id, attempt, outcome) {
      record.immediate(id, attempt, outcome);
    },
    list(instanceId, filters, page) {
      return read(instanceId, filters, page);
    },
    get(instanceId, id) {
      const row = find.get(instanceId, id) as DeliveryRow | undefined;
      if (row === undefined) {
        return undefined;
      }
      return {
        delivery: toDelivery(row),
        attempts: attempts.all(row.id) as DeliveryAttempt[],
      };
    },
    retry(instanceId, id, now) {
      if (retry.run(now, instanceId, id).changes === 1) {
        return "retried";
      }
      return find.get(instanceId, id) === undefined ? "notFound" : "notFailed";
    },
    prune(before, limit) {
      return prune.immediate(before, limit);
    },
  };
}

// Lists are an admin's occasional read, so their few shapes are prepared
// per call; the worker's hot statements above are prepared once.
function whereClause(
  instanceId: string,
  filters: readonly DeliveryFilter[],
): { where: string; params: unknown[] } {
  const parts = ["instance_id = ?"];
  const params: unknown[] = [instanceId];
  for (const filter of filters) {
    if ("targetId" in filter) {
      parts.push("target_id = ?");
      params.push(filter.targetId);
    } else if ("executionId" in filter) {
      parts.push("execution_id = ?");
      params.push(filter.executionId);
    } else if ("eventType" in filter) {
      parts.push("event_type = ?");
      params.push(filter.eventType);
    } else if ("status" in filter) {
      parts.push("status = ?");
      params.push(filter.status);
    } else {
      if (filter.createdFrom !== undefined) {
        parts.push("created_at >= ?");
        params.push(filter.createdFrom);
      }
      if (filter.createdBefore !== undefined) {
        parts.push("created_at < ?");
        params.push(filter.createdBefore);
      }
    }
  }
  return { where: parts.join(" AND "), params };
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: String(row.id),
    instanceId: row.instance_id,
    eventPosition: row.event_position,
    eventType: row.event_type,
    executionId: row.execution_id,
    targetId: row.target_id,
    body: row.body,
    status: row.status,
    attemptCount: row.attempt_count,
    budgetUsed: row.budget_used,
    nextAttemptAt: row.next_attempt_at ?? undefined,
    lastError: row.last_error,
    createdAt: row.created_at,
    finishedAt: row.finished_at ?? undefined,
  };
}
