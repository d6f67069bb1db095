import { callerOf } from "./caller-of.js";
import { create, type JsonObject } from "@bufbuild/protobuf";
import {
  durationFromMs,
  timestampDate,
  timestampFromMs,
} from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  DeliveryAttemptSchema,
  DeliveryEventSchema,
  DeliverySchema,
  DeliveryService,
  DeliveryStatus,
  GetDeliveryResponseSchema,
  ListDeliveriesResponseSchema,
  RetryDeliveryResponseSchema,
  type Delivery as DeliveryMessage,
  type DeliverySearchQuery,
} from "../../gen/actionsd/delivery/v1/delivery_service_pb.js";
import {
  conditionOfExecutionId,
  executionIdOf,
} from "../domain/condition.js";
import type { Db } from "../store/database.js";
import type {
  Delivery,
  DeliveryAttempt,
  DeliveryFilter,
  DeliveryStatus as Status,
} from "../events/delivery.js";
import { createDeliveryStore } from "../events/delivery-store.js";
import { eventErrors } from "../events/event-errors.js";
import {
  conditionFromMessage,
  conditionToMessage,
} from "./condition-mapping.js";
import { listDetailsToMessage } from "./details-mapping.js";
import { pageFromMessage } from "./list-mapping.js";

/** What the Delivery Service needs. */
export interface DeliveryServiceOptions {
  readonly db: Db;
  /** Default: the system clock. */
  readonly clock?: () => Date;
  /** Called after RetryDelivery, so the retry is sent at once. */
  readonly wake?: () => void;
}

const statuses: ReadonlyMap<DeliveryStatus, Status> = new Map([
  [DeliveryStatus.PENDING, "pending"],
  [DeliveryStatus.SUCCEEDED, "succeeded"],
  [DeliveryStatus.FAILED, "failed"],
]);

const statusMessages: Readonly<Record<Status, DeliveryStatus>> = {
  pending: DeliveryStatus.PENDING,
  succeeded: DeliveryStatus.SUCCEEDED,
  failed: DeliveryStatus.FAILED,
};

/**
 * Implements `actionsd.delivery.v1.DeliveryService` over the outbox, every
 * call scoped by the caller's instance (Unauthenticated without a caller).
 * ListDeliveries pages like the Action Service lists (InvalidArgument for
 * a limit above 1000 or an empty or invalid query); GetDelivery answers
 * the event and every attempt (NotFound EVENTS-q4j6sb0ncx); RetryDelivery
 * puts a failed delivery back with a fresh budget (FailedPrecondition
 * EVENTS-h7a2wl5ytd when it is not failed). A delivery id that is not
 * decimal is InvalidArgument.
 */
export function createDeliveryService(
  options: DeliveryServiceOptions,
): ServiceImpl<typeof DeliveryService> {
  const store = createDeliveryStore(options.db);
  const clock = options.clock ?? (() => new Date());
  return {
    listDeliveries(request, context) {
      const caller = callerOf(context);
      const page = pageFromMessage(request.query);
      const filters = filtersFromMessages(request.queries);
      const found = store.list(caller.instanceId, filters, page);
      return create(ListDeliveriesResponseSchema, {
        details: listDetailsToMessage(found.total, undefined),
        result: found.deliveries.map((d) => deliveryToMessage(d, [])),
      });
    },
    getDelivery(request, context) {
      const caller = callerOf(context);
      const found = store.get(caller.instanceId, validId(request.deliveryId));
      if (found === undefined) {
        throw eventErrors.deliveryNotFound();
      }
      return create(GetDeliveryResponseSchema, {
        delivery: deliveryToMessage(found.delivery, found.attempts),
      });
    },
    retryDelivery(request, context) {
      const caller = callerOf(context);
      const id = validId(request.deliveryId);
      const result = store.retry(caller.instanceId, id, clock().getTime());
      if (result === "notFound") {
        throw eventErrors.deliveryNotFound();
      }
      if (result === "notFailed") {
        throw eventErrors.deliveryNotFailed();
      }
      options.wake?.();
      const found = store.get(caller.instanceId, id)!;
      return create(RetryDeliveryResponseSchema, {
        delivery: deliveryToMessage(found.delivery, found.attempts),
      });
    },
  };
}

function validId(id: string): string {
  if (!/^[1-9]\d{0,18}$/.test(id)) {
    throw eventErrors.deliveryIdInvalid();
  }
  return id;
}

function filtersFromMessages(
  queries: readonly DeliverySearchQuery[],
): DeliveryFilter[] {
  return queries.map((query, index): DeliveryFilter => {
    const choice = query.query;
    switch (choice.case) {
      case "targetQuery":
        if (choice.value.targetId === "") {
          break;
        }
        return { targetId: choice.value.targetId };
      case "conditionQuery": {
        const condition = conditionFromMessage(choice.value.condition);
        if (condition.type !== "event") {
          throw eventErrors.conditionNotEvent();
        }
        return { executionId: executionIdOf(condition) };
      }
      case "eventTypeQuery":
        if (choice.value.eventType === "") {
          break;
        }
        return { eventType: choice.value.eventType };
      case "statusQuery": {
        const status = statuses.get(choice.value.status);
        if (status === undefined) {
          break;
        }
        return { status };
      }
      case "creationDateQuery": {
        const { from, to } = choice.value;
        return {
          createdFrom:
            from === undefined ? undefined : timestampDate(from).getTime(),
          createdBefore:
            to === undefined ? undefined : timestampDate(to).getTime(),
        };
      }
    }
    throw eventErrors.searchQueryInvalid(index);
  });
}

/** The event fields of a delivery's body (see `eventPayload`). */
interface EventBody {
  aggregateID?: string;
  aggregateType?: string;
  event_type?: string;
  sequence?: number;
  created_at?: string;
  userID?: string;
  event_payload?: JsonObject;
}

function deliveryToMessage(
  delivery: Delivery,
  attempts: readonly DeliveryAttempt[],
): DeliveryMessage {
  const body = JSON.parse(delivery.body) as EventBody;
  const payload = body.event_payload;
  return create(DeliverySchema, {
    deliveryId: delivery.id,
    status: statusMessages[delivery.status],
    targetId: delivery.targetId,
    condition: conditionToMessage(
      conditionOfExecutionId(delivery.executionId),
    ),
    event: create(DeliveryEventSchema, {
      aggregateType: body.aggregateType ?? "",
      aggregateId: body.aggregateID ?? "",
      eventType: delivery.eventType,
      sequence: BigInt(body.sequence ?? 0),
      creationDate:
        body.created_at === undefined
          ? undefined
          : timestampFromMs(Date.parse(body.created_at)),
      creator: body.userID ?? "",
      // A Struct holds only objects; a pushed payload always is one.
      payload:
        typeof payload === "object" && payload !== null && !Array.isArray(payload)
          ? payload
          : undefined,
    }),
    creationDate: timestampFromMs(delivery.createdAt),
    nextAttemptDate:
      delivery.nextAttemptAt === undefined
        ? undefined
        : timestampFromMs(delivery.nextAttemptAt),
    finishDate:
      delivery.finishedAt === undefined
        ? undefined
        : timestampFromMs(delivery.finishedAt),
    attemptCount: delivery.attemptCount,
    lastError: delivery.lastError,
    attempts: attempts.map((attempt) =>
      create(DeliveryAttemptSchema, {
        number: attempt.number,
        startDate: timestampFromMs(attempt.startedAt),
        duration: durationFromMs(attempt.durationMs),
        statusCode: attempt.statusCode,
        error: attempt.error,
      }),
    ),
  });
}
