import { eventExecutionCandidates } from "../domain/condition.js";
import type { RuntimeTarget } from "../domain/execution-snapshot.js";
import type { Db } from "../store/database.js";
import type { StoredEvent } from "../store/event-log.js";
import { createDeliveryStore } from "./delivery-store.js";
import { eventPayload } from "./event-payload.js";

/** Options of `createOutbox`. */
export interface OutboxOptions {
  readonly db: Db;
  /**
   * The targets of the event execution that matches an event type: the
   * event's, else the longest matching group's, else the one for all, with
   * includes expanded (the execution index's `resolveEvent`).
   */
  readonly resolveEvent: (
    instanceId: string,
    eventType: string,
  ) => readonly RuntimeTarget[];
  /**
   * Called when an append enqueued deliveries (the worker's `wake`). It
   * runs inside the transaction, so it must only schedule work.
   */
  readonly onEnqueue?: () => void;
}

/** The transactional outbox of event deliveries. */
export interface Outbox {
  /**
   * The event log's `onAppend` hook: inside the appending transaction,
   * writes one pending delivery per distinct target of the matching event
   * execution, each with the event's API.md section 8 body. Events without
   * a matching execution cost one in-memory lookup.
   */
  onAppend(event: StoredEvent): void;
}

/**
 * Creates the outbox. Because deliveries are written in the event's own
 * transaction, a crash after the commit loses none and a crash before it
 * writes neither.
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const { db, resolveEvent, onEnqueue } = options;
  const store = createDeliveryStore(db);
  const existing = db
    .prepare(
      `SELECT id FROM executions
       WHERE instance_id = ? AND id IN (SELECT value FROM json_each(?))`,
    )
    .pluck();
  const executionIds = new WeakMap<readonly RuntimeTarget[], string>();
  return {
    onAppend(event) {
      const targets = resolveEvent(event.instanceId, event.eventType);
      if (targets.length === 0) {
        return;
      }
      // The index answers targets only; the history also names the
      // execution, found the same way: the first candidate that exists.
      // The index hands out the same list until the executions change, so
      // the answer is kept per list.
      let executionId = executionIds.get(targets);
      if (executionId === undefined) {
        const candidates = eventExecutionCandidates(event.eventType);
        const found = new Set(
          existing.all(
            event.instanceId,
            JSON.stringify(candidates),
          ) as string[],
        );
        executionId = candidates.find((id) => found.has(id)) ?? "event";
        executionIds.set(targets, executionId);
      }
      const body = eventPayload(event);
      const seen = new Set<string>();
      for (const target of targets) {
        // An include may list a target the execution lists already; the
        // receiver gets the event once per target.
        if (seen.has(target.id)) {
          continue;
        }
        seen.add(target.id);
        store.enqueue({
          instanceId: event.instanceId,
          eventPosition: event.position,
          eventType: event.eventType,
          executionId,
          targetId: target.id,
          body,
          createdAt: event.createdAt,
        });
      }
      onEnqueue?.();
    },
  };
}
