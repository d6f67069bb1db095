/** Where a delivery stands. */
export type DeliveryStatus = "pending" | "succeeded" | "failed";

/** One event sent to one target, as the outbox keeps it. */
export interface Delivery {
  /** Decimal id, in enqueue order; the webhook-id is "msg_" + id. */
  readonly id: string;
  readonly instanceId: string;
  /** The event's global position in the log. */
  readonly eventPosition: number;
  readonly eventType: string;
  /** The matched event execution ("event/user.*"). */
  readonly executionId: string;
  readonly targetId: string;
  /** The exact JSON body every attempt sends. */
  readonly body: string;
  readonly status: DeliveryStatus;
  /** Attempts made, over every budget. */
  readonly attemptCount: number;
  /** Attempts made in the current budget (reset by a retry). */
  readonly budgetUsed: number;
  /** Milliseconds since the epoch; set while pending. */
  readonly nextAttemptAt: number | undefined;
  /** The reason of the last failed attempt; "" after a success. */
  readonly lastError: string;
  readonly createdAt: number;
  /** When it succeeded or failed for good. */
  readonly finishedAt: number | undefined;
}

/** One try to send a delivery. */
export interface DeliveryAttempt {
  /** 1, 2, 3..., counting on across retries. */
  readonly number: number;
  readonly startedAt: number;
  readonly durationMs: number;
  /** The HTTP status; 0 when there was none (timeout, transport). */
  readonly statusCode: number;
  /** "" when the attempt succeeded. */
  readonly error: string;
}

/** One filter of the delivery list; filters are ANDed. */
export type DeliveryFilter =
  | { readonly targetId: string }
  | { readonly executionId: string }
  | { readonly eventType: string }
  | { readonly status: DeliveryStatus }
  | { readonly createdFrom?: number; readonly createdBefore?: number };

/** A delivery to enqueue, inside the event's transaction. */
export interface NewDelivery {
  readonly instanceId: string;
  readonly eventPosition: number;
  readonly eventType: string;
  readonly executionId: string;
  readonly targetId: string;
  readonly body: string;
  /** Also the time the first attempt is due. */
  readonly createdAt: number;
}

/** What an attempt led to. */
export type AttemptOutcome =
  | { readonly status: "succeeded" }
  | { readonly status: "failed" }
  | { readonly status: "pending"; readonly nextAttemptAt: number };
