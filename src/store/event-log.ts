import type { Db } from "./database.js";

/** The aggregates whose events this service writes. */
export type AggregateType = "target" | "execution";

/** The event types of targets and executions. */
export type EventType =
  | "target.added"
  | "target.changed"
  | "target.removed"
  | "execution.set"
  | "execution.removed";

/** An event to append. */
export interface NewEvent {
  readonly instanceId: string;
  readonly aggregateType: AggregateType;
  readonly aggregateId: string;
  readonly eventType: EventType;
  /** Serialized as JSON; must never hold secrets. */
  readonly payload: unknown;
  readonly creator: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** An event as written. */
export interface StoredEvent extends NewEvent {
  /** The global position in the log. */
  readonly position: number;
  /** The position within its aggregate: 1, 2, 3... */
  readonly sequence: number;
}

/** The newest event of an instance. */
export interface LogPosition {
  readonly position: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** The append-only log of everything that changed. */
export interface EventLog {
  /**
   * Appends one event with the next sequence of its aggregate (counting on
   * after a removal). Must run inside the command's transaction so the
   * sequence cannot race.
   */
  append(event: NewEvent): StoredEvent;
  /** The newest event of an instance, or undefined before the first. */
  latest(instanceId: string): LogPosition | undefined;
}

/** Creates the event log over `db` with its statements prepared once. */
export function createEventLog(db: Db): EventLog {
  const nextSequence = db
    .prepare(
      `SELECT coalesce(max(sequence), 0) + 1 FROM events
       WHERE instance_id = ? AND aggregate_type = ? AND aggregate_id = ?`,
    )
    .pluck();
  const insert = db.prepare(
    `INSERT INTO events (instance_id, aggregate_type, aggregate_id,
       sequence, event_type, payload, creator, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const latest = db.prepare(
    `SELECT position, created_at AS createdAt FROM events
     WHERE instance_id = ? ORDER BY position DESC LIMIT 1`,
  );
  return {
    append(event) {
      const sequence = nextSequence.get(
        event.instanceId,
        event.aggregateType,
        event.aggregateId,
      ) as number;
      const result = insert.run(
        event.instanceId,
        event.aggregateType,
        event.aggregateId,
        sequence,
        event.eventType,
        JSON.stringify(event.payload ?? {}),
        event.creator,
        event.createdAt,
      );
      return { ...event, position: Number(result.lastInsertRowid), sequence };
    },
    latest(instanceId) {
      return latest.get(instanceId) as LogPosition | undefined;
    },
  };
}
