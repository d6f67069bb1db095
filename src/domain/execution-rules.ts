import { actionErrors } from "./action-errors.js";
import { executionIdOf, type Condition } from "./condition.js";
import { exceeds } from "./target-rules.js";
import type { ExecutionTarget } from "./execution.js";

/** An entry as a request gives it, before validation. */
export type ExecutionTargetInput =
  | { readonly targetId: string }
  | { readonly include: Condition }
  | Record<string, never>;

/** What this server serves, for the existence rules of SetExecution. */
export interface ServedNames {
  readonly methods: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  readonly functions: ReadonlySet<string>;
}

const maxConditionLength = 1000;

/**
 * Checks the value of a condition: 1..1000 characters (the "all" scope has
 * none). Throws InvalidArgument COMMAND-3tkej630e6 for an empty one.
 */
export function validateCondition(condition: Condition): void {
  if (condition.scope === "all") {
    return;
  }
  if (condition.value === "") {
    throw actionErrors.conditionInvalid();
  }
  if (exceeds(condition.value, maxConditionLength)) {
    throw actionErrors.conditionTooLong();
  }
}

/**
 * Checks that a condition names something this server has: NotFound
 * COMMAND-vysplsevt8 (method), COMMAND-qu6dfhiioq (service),
 * COMMAND-cdy39t0ksr (function). Events are free text and always pass.
 */
export function checkConditionServed(
  condition: Condition,
  served: ServedNames,
): void {
  const { scope, value } = condition;
  if (scope === "method" && !served.methods.has(value)) {
    throw actionErrors.methodNotFound();
  }
  if (scope === "service" && !served.services.has(value)) {
    throw actionErrors.serviceNotFound();
  }
  if (scope === "function" && !served.functions.has(value)) {
    throw actionErrors.functionNotFound();
  }
}

/**
 * Validates the ordered list of a SetExecution for the execution `id` and
 * answers it with include ids resolved. Throws InvalidArgument for an empty
 * list (COMMAND-56bteot2uj), an entry with neither target nor include, an
 * invalid include condition, and a target or include given twice;
 * FailedPrecondition COMMAND-mo1cmjp5k7 for an include of itself.
 */
export function validateExecutionTargets(
  id: string,
  inputs: readonly ExecutionTargetInput[],
): ExecutionTarget[] {
  if (inputs.length === 0) {
    throw actionErrors.noTargets();
  }
  const seen = new Set<string>();
  const entries: ExecutionTarget[] = [];
  inputs.forEach((input, index) => {
    if ("targetId" in input && input.targetId !== "") {
      // Targets and includes get separate keys: a target id can never look
      // like an execution id, but a prefix keeps that from mattering.
      const key = `t:${input.targetId}`;
      if (seen.has(key)) {
        throw actionErrors.duplicateTarget(input.targetId);
      }
      seen.add(key);
      entries.push({ targetId: input.targetId });
      return;
    }
    if ("include" in input && input.include !== undefined) {
      validateCondition(input.include);
      const includeId = executionIdOf(input.include);
      if (includeId === id) {
        throw actionErrors.selfInclude();
      }
      const key = `i:${includeId}`;
      if (seen.has(key)) {
        throw actionErrors.duplicateInclude(includeId);
      }
      seen.add(key);
      entries.push({ includeId, include: input.include });
      return;
    }
    throw actionErrors.entryEmpty(index);
  });
  return entries;
}

/** Tells whether two ordered lists name the same entries in the same order. */
export function sameExecutionTargets(
  a: readonly ExecutionTarget[],
  b: readonly ExecutionTarget[],
): boolean {
  if (a.length !== b.length) {
    return false;
  }
  return a.every((entry, index) => {
    const other = b[index]!;
    if ("targetId" in entry) {
      return "targetId" in other && other.targetId === entry.targetId;
    }
    return (
      "includeId" in other &&
      other.includeId === entry.includeId &&
      sameCondition(other.include, entry.include)
    );
  });
}

function sameCondition(a: Condition, b: Condition): boolean {
  return a.type === b.type && a.scope === b.scope && a.value === b.value;
}
