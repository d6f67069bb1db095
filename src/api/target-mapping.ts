import { create } from "@bufbuild/protobuf";
import { DurationSchema, type Duration } from "@bufbuild/protobuf/wkt";
import {
  SetRESTAsyncSchema,
  SetRESTCallSchema,
  SetRESTWebhookSchema,
  TargetSchema,
  type SetRESTAsync,
  type SetRESTCall,
  type SetRESTWebhook,
  type Target as TargetMessage,
} from "../../gen/zitadel/action/v3alpha/target_pb.js";
import { actionErrors } from "../domain/action-errors.js";
import type { Target, TargetChange, Timeout } from "../domain/target.js";
import { detailsToMessage } from "./details-mapping.js";

/** The `target_type` oneof as the request messages carry it. */
export type TargetTypeChoice =
  | { case: "restWebhook"; value: SetRESTWebhook }
  | { case: "restCall"; value: SetRESTCall }
  | { case: "restAsync"; value: SetRESTAsync }
  | { case: undefined; value?: undefined };

/**
 * Reads the `target_type` oneof: the type and its interrupt flag, or
 * undefined when none is chosen.
 */
export function targetKindFromChoice(
  choice: TargetTypeChoice,
): TargetChange["kind"] {
  switch (choice.case) {
    case "restWebhook":
      return {
        type: "webhook",
        interruptOnError: choice.value.interruptOnError,
      };
    case "restCall":
      return { type: "call", interruptOnError: choice.value.interruptOnError };
    case "restAsync":
      return { type: "async", interruptOnError: false };
    default:
      return undefined;
  }
}

/**
 * Reads a Duration. Throws InvalidArgument (ACTION-f6y3lo9aeh) for seconds
 * beyond what a JavaScript number holds exactly.
 */
export function timeoutFromDuration(
  duration: Duration | undefined,
): Timeout | undefined {
  if (duration === undefined) {
    return undefined;
  }
  if (
    duration.seconds > BigInt(Number.MAX_SAFE_INTEGER) ||
    duration.seconds < -BigInt(Number.MAX_SAFE_INTEGER)
  ) {
    throw actionErrors.timeoutInvalid();
  }
  return { seconds: Number(duration.seconds), nanos: duration.nanos };
}

/** Builds the Target message of a stored target. */
export function targetToMessage(
  target: Target,
  instanceId: string,
): TargetMessage {
  return create(TargetSchema, {
    targetId: target.id,
    details: detailsToMessage(target, instanceId),
    name: target.name,
    targetType: targetTypeToChoice(target),
    timeout: create(DurationSchema, {
      seconds: BigInt(target.timeout.seconds),
      nanos: target.timeout.nanos,
    }),
    endpoint: target.endpoint,
  });
}

function targetTypeToChoice(target: Target): TargetTypeChoice {
  switch (target.type) {
    case "webhook":
      return {
        case: "restWebhook",
        value: create(SetRESTWebhookSchema, {
          interruptOnError: target.interruptOnError,
        }),
      };
    case "call":
      return {
        case: "restCall",
        value: create(SetRESTCallSchema, {
          interruptOnError: target.interruptOnError,
        }),
      };
    default:
      return { case: "restAsync", value: create(SetRESTAsyncSchema) };
  }
}
