import type { Db } from "../store/database.js";
import { createEventLog, type StoredEvent } from "../store/event-log.js";
import { eventErrors } from "./event-errors.js";
import {
  validatePushedEvents,
  type PushedEventInput,
} from "./pushed-event-rules.js";

/** Options of `createEventPusher`. */
export interface EventPusherOptions {
  readonly db: Db;
  /** Default: the system clock. */
  readonly clock?: () => Date;
  /** The outbox's hook, run inside the transaction for every event. */
  readonly onAppend?: (event: StoredEvent) => void;
}

/** Who pushes: the instance and the event creator (the caller's user). */
export interface PushScope {
  readonly instanceId: string;
  readonly creator: string;
}

/** Writes events that other systems publish. */
export interface EventPusher {
  /**
   * Validates (`validatePushedEvents`, InvalidArgument) and appends every
   * event in one immediate transaction, each with the next sequence of its
   * aggregate, and answers them in order. All or nothing; Unavailable
   * EVENTS-c5y7gu2drm when the write lock stays taken.
   */
  push(scope: PushScope, events: readonly PushedEventInput[]): StoredEvent[];
}

/** Creates the event pusher over `db`. */
export function createEventPusher(options: EventPusherOptions): EventPusher {
  const { db } = options;
  const clock = options.clock ?? (() => new Date());
  const log = createEventLog(db, { onAppend: options.onAppend });
  const write = db.transaction(
    (scope: PushScope, events: readonly PushedEventInput[]) => {
      const createdAt = clock().getTime();
      return events.map((event) =>
        log.append({
          instanceId: scope.instanceId,
          aggregateType: event.aggregateType,
          aggregateId: event.aggregateId,
          eventType: event.eventType,
          payload: event.payload ?? {},
          creator: scope.creator,
          createdAt,
        }),
      );
    },
  );
  return {
    push(scope, events) {
      validatePushedEvents(events);
      try {
        return write.immediate(scope, events);
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
          throw eventErrors.storeBusy();
        }
        throw error;
      }
    },
  };
}
