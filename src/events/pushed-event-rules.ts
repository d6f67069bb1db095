import { eventErrors } from "./event-errors.js";

/** An event a caller asks to write, before validation. */
export interface PushedEventInput {
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly eventType: string;
  /** A JSON object; undefined is written as {}. */
  readonly payload?: Readonly<Record<string, unknown>>;
}

/** The most events one PushEvents call may write. */
export const maxPushedEvents = 100;

/**
 * A lower-case dotted name: parts of a letter followed by letters, digits
 * or underscores, joined by single dots ("user", "user.human.added").
 */
export const dottedName = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** The aggregate types whose sequences this service's own details use. */
const reservedAggregateTypes = new Set(["target", "execution"]);

/**
 * Checks a PushEvents list: 1 to 100 events; each aggregate type a
 * lower-case dotted name of at most 200 characters other than "target" and
 * "execution" (our own aggregates, whose sequences a pushed event would
 * shift); each aggregate id 1 to 200 characters; each event type a
 * lower-case dotted name of at least two parts and at most 200 characters
 * (so it has a group for group conditions). Throws InvalidArgument
 * (EVENTS-...) naming the first bad field.
 */
export function validatePushedEvents(
  events: readonly PushedEventInput[],
): void {
  if (events.length === 0 || events.length > maxPushedEvents) {
    throw eventErrors.eventCountInvalid(maxPushedEvents);
  }
  events.forEach((event, index) => {
    if (
      event.aggregateType.length > 200 ||
      !dottedName.test(event.aggregateType)
    ) {
      throw eventErrors.aggregateTypeInvalid(index);
    }
    if (reservedAggregateTypes.has(event.aggregateType)) {
      throw eventErrors.aggregateTypeReserved(index);
    }
    if (event.aggregateId.length === 0 || event.aggregateId.length > 200) {
      throw eventErrors.aggregateIdInvalid(index);
    }
    if (
      event.eventType.length > 200 ||
      !dottedName.test(event.eventType) ||
      !event.eventType.includes(".")
    ) {
      throw eventErrors.eventTypeInvalid(index);
    }
  });
}
