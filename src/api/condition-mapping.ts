import { create } from "@bufbuild/protobuf";
import {
  ConditionSchema,
  EventExecutionSchema,
  RequestExecutionSchema,
  ResponseExecutionSchema,
  type Condition as ConditionMessage,
  type EventExecution,
  type RequestExecution,
} from "../../gen/zitadel/action/v3alpha/execution_pb.js";
import { actionErrors } from "../domain/action-errors.js";
import type { Condition } from "../domain/condition.js";
import { validateCondition } from "../domain/execution-rules.js";

/**
 * Reads a request's condition. Throws InvalidArgument COMMAND-3tkej630e6
 * when it is missing, names no kind, or its kind names no choice
 * (`all: false` counts as none); values longer than 1000 characters are
 * InvalidArgument too.
 */
export function conditionFromMessage(
  message: ConditionMessage | undefined,
): Condition {
  const kind = message?.conditionType;
  let condition: Condition | undefined;
  switch (kind?.case) {
    case "function":
      condition = { type: "function", scope: "function", value: kind.value };
      break;
    case "request":
    case "response":
    case "event": {
      const choice = kind.value.condition;
      if (choice.case === "all") {
        condition = choice.value
          ? { type: kind.case, scope: "all", value: "" }
          : undefined;
      } else if (choice.case !== undefined) {
        condition = {
          type: kind.case,
          scope: choice.case,
          value: choice.value,
        };
      }
      break;
    }
  }
  if (condition === undefined) {
    throw actionErrors.conditionInvalid();
  }
  validateCondition(condition);
  return condition;
}

/** Builds the Condition message of a domain condition (the exact inverse). */
export function conditionToMessage(condition: Condition): ConditionMessage {
  switch (condition.type) {
    case "function":
      return create(ConditionSchema, {
        conditionType: { case: "function", value: condition.value },
      });
    case "request":
      return create(ConditionSchema, {
        conditionType: {
          case: "request",
          value: create(RequestExecutionSchema, {
            condition: callChoice(condition),
          }),
        },
      });
    case "response":
      return create(ConditionSchema, {
        conditionType: {
          case: "response",
          value: create(ResponseExecutionSchema, {
            condition: callChoice(condition),
          }),
        },
      });
    default:
      return create(ConditionSchema, {
        conditionType: {
          case: "event",
          value: create(EventExecutionSchema, {
            condition: eventChoice(condition),
          }),
        },
      });
  }
}

function callChoice(condition: Condition): RequestExecution["condition"] {
  switch (condition.scope) {
    case "method":
      return { case: "method", value: condition.value };
    case "service":
      return { case: "service", value: condition.value };
    default:
      return { case: "all", value: true };
  }
}

function eventChoice(condition: Condition): EventExecution["condition"] {
  switch (condition.scope) {
    case "event":
      return { case: "event", value: condition.value };
    case "group":
      return { case: "group", value: condition.value };
    default:
      return { case: "all", value: true };
  }
}
