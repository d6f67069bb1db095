import {
  DomainError,
  failedPrecondition,
  invalidArgument,
  notFound,
} from "../errors/domain-error.js";

/**
 * Every caller-visible failure of pushing events and of the delivery
 * history, one factory each, so ids and keys live in one place. The ids
 * are ours ("EVENTS-").
 */
export const eventErrors = {
  /** PushEvents without events, or with more than the limit. */
  eventCountInvalid: (max: number) =>
    invalidArgument(
      "EVENTS-p3k8vz2mqa",
      "Errors.Event.CountInvalid",
      `events must hold 1 to ${max} events`,
    ),
  /** An aggregate type that is no lower-case dotted name. */
  aggregateTypeInvalid: (index: number) =>
    invalidArgument(
      "EVENTS-w6n1tq8xze",
      "Errors.Event.AggregateTypeInvalid",
      `events[${index}].aggregate_type must be a lower-case dotted name`,
    ),
  /** An aggregate type this service writes itself. */
  aggregateTypeReserved: (index: number) =>
    invalidArgument(
      "EVENTS-r2c7hy4lgu",
      "Errors.Event.AggregateTypeReserved",
      `events[${index}].aggregate_type is reserved`,
    ),
  /** An aggregate id that is empty or too long. */
  aggregateIdInvalid: (index: number) =>
    invalidArgument(
      "EVENTS-b9d4mk1sjo",
      "Errors.Event.AggregateIdInvalid",
      `events[${index}].aggregate_id must have 1 to 200 characters`,
    ),
  /** An event type that is no lower-case dotted name of two parts. */
  eventTypeInvalid: (index: number) =>
    invalidArgument(
      "EVENTS-x5f0ga7nwe",
      "Errors.Event.EventTypeInvalid",
      `events[${index}].event_type must be a lower-case dotted name of at least two parts`,
    ),
  /** The delivery id is not one this service hands out. */
  deliveryIdInvalid: () =>
    invalidArgument(
      "EVENTS-k1u8pe3zvr",
      "Errors.Delivery.InvalidID",
      "delivery_id must be a decimal id",
    ),
  /** No delivery of that id in the caller's instance. */
  deliveryNotFound: () =>
    notFound(
      "EVENTS-q4j6sb0ncx",
      "Errors.Delivery.NotFound",
      "Delivery not found",
    ),
  /** RetryDelivery of a delivery that has not failed. */
  deliveryNotFailed: () =>
    failedPrecondition(
      "EVENTS-h7a2wl5ytd",
      "Errors.Delivery.NotFailed",
      "only a failed delivery can be retried",
    ),
  /** A delivery search query without a choice or with an empty value. */
  searchQueryInvalid: (index: number) =>
    invalidArgument(
      "EVENTS-m0e9rc6kvb",
      "Errors.Delivery.QueryInvalid",
      `queries[${index}] is empty or invalid`,
    ),
  /** The condition of a condition query is no event condition. */
  conditionNotEvent: () =>
    invalidArgument(
      "EVENTS-z8t3nx1fqp",
      "Errors.Delivery.ConditionInvalid",
      "condition_query needs an event condition",
    ),
  /** The store's write lock was held too long; the caller may retry. */
  storeBusy: () =>
    new DomainError(
      "unavailable",
      "EVENTS-c5y7gu2drm",
      "Errors.Internal",
      "the store is busy, try again",
    ),
};
