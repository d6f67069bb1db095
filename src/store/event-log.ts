import type { Db } from "./database.js";

/** The aggregates whose events this service writes itself. */
export type OwnAggregateType = "target" | "execution";

/** The event types of targets and executions. */
export type OwnEventType =
  | "target.added"
  | "target.changed"
  | "target.removed"
  | "execution.set"
  | "execution.removed";

/**
 * An aggregate type: our own, or a pushed lower-case dotted name ("user",
 * "org.project"), checked by `validatePushedEvents` before it gets here.
 */
export type AggregateType = OwnAggregateType | (string & {});

/**
 * An event type: our own, or a pushed lower-case dotted name with at least
 * two parts ("user.human.added").
 */
export type EventType = OwnEventType | (string & {});

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

/** Options of `createEventLog`. */
export interface EventLogOptions {
  /**
   * Called inside the appending transaction right after each event is
   * written (the outbox adds its deliveries here), so the event and what
   * it causes commit or roll back together. A throw rolls the command back.
   */
  readonly onAppend?: (event: StoredEvent) => void;
}

/**
 * Creates the event log over `db` with its statements prepared once. Every
 * event goes through one of these, our own and pushed ones alike, so the
 * `onAppend` hook sees all of them.
 */
export function createEventLog(
  db: Db,
  options: EventLogOptions = {},
): EventLog {
  const { onAppend } = options;
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
      const stored: StoredEvent = {
        ...event,
        position: Number(result.lastInsertRowid),
        sequence,
      };
      onAppend?.(stored);
      return stored;
    },
    latest(instanceId) {
      return latest.get(instanceId) as LogPosition | undefined;
    },
  };
}
