import { callerOf } from "./caller-of.js";
import type { HandlerContext } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  PushEventsResponseSchema,
  type PushEventsRequest,
  type PushEventsResponse,
} from "../../gen/actionsd/runtime/v1/runtime_service_pb.js";
import type { EventPusher } from "../events/event-pusher.js";
import { detailsToMessage } from "./details-mapping.js";

/**
 * The PushEvents handler of the Runtime Service: writes the request's
 * events to the caller's instance in one transaction, the caller's user as
 * creator, and answers each event's details (sequence within its
 * aggregate, time, instance) in request order. Errors: Unauthenticated
 * without a caller; InvalidArgument EVENTS-... for an invalid list (see
 * `validatePushedEvents`); Unavailable when the store stays locked.
 */
export function pushEvents(
  pusher: EventPusher,
  request: PushEventsRequest,
  context: HandlerContext,
): PushEventsResponse {
  const caller = callerOf(context);
  const written = pusher.push(
    { instanceId: caller.instanceId, creator: caller.userId },
    request.events.map((event) => ({
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      eventType: event.eventType,
      payload: event.payload,
    })),
  );
  return create(PushEventsResponseSchema, {
    details: written.map((event) =>
      detailsToMessage(
        { sequence: event.sequence, changedAt: event.createdAt },
        caller.instanceId,
      ),
    ),
  });
}
