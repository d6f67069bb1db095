import type { StoredEvent } from "../store/event-log.js";

/** The aggregate version every event payload names. */
export const eventVersion = "v1";

/**
 * Builds the JSON body an event target receives (API.md section 8):
 * `aggregateID`, `aggregateType`, `resourceOwner` and `instanceID` (both
 * the instance), `version`, `sequence` (within the aggregate),
 * `event_type`, `created_at` (RFC 3339), `userID` (the event's creator)
 * and `event_payload` (the event's own JSON). Empty strings are left out.
 */
export function eventPayload(event: StoredEvent): string {
  const body: Record<string, unknown> = {
    aggregateID: event.aggregateId,
    aggregateType: event.aggregateType,
    resourceOwner: event.instanceId,
    instanceID: event.instanceId,
    version: eventVersion,
    sequence: event.sequence,
    event_type: event.eventType,
    created_at: new Date(event.createdAt).toISOString(),
    userID: event.creator,
    event_payload: event.payload ?? {},
  };
  for (const [name, value] of Object.entries(body)) {
    if (value === "") {
      delete body[name];
    }
  }
  return JSON.stringify(body);
}
