import type { StoredEvent } from "./event-log.js";
import type { Db } from "./database.js";
import { createActionStore } from "./action-store.js";
import {
  conditionToJson,
  type Condition,
  type ConditionJson,
} from "../domain/condition.js";
import type { ChangeDetails } from "../domain/target.js";

/** An execution as the command line prints it. */
export interface StoredExecutionView {
  readonly id: string;
  readonly condition: ConditionJson;
  /** Entries in order: `{"target": id}` or `{"include": condition}`. */
  readonly targets: readonly (
    | { readonly target: string }
    | { readonly include: ConditionJson }
  )[];
  readonly sequence: number;
  /** RFC 3339 time of the last change. */
  readonly changeDate: string;
}

/** The event creator of changes made from the command line. */
export const cliCreator = "cli";

/**
 * Lists every execution of an instance in id order, for `actionsd
 * execution list`, working directly on an open database.
 */
export function listStoredExecutions(
  db: Db,
  instanceId: string,
): StoredExecutionView[] {
  return createActionStore({ db })
    .allExecutions(instanceId)
    .map((execution) => ({
      id: execution.id,
      condition: conditionToJson(execution.condition),
      targets: execution.targets.map((entry) =>
        "targetId" in entry
          ? { target: entry.targetId }
          : { include: conditionToJson(entry.include) },
      ),
      sequence: execution.sequence,
      changeDate: new Date(execution.changedAt).toISOString(),
    }));
}

/**
 * Deletes the execution of a condition, for `actionsd execution delete`,
 * writing the same `execution.removed` event as the API with creator
 * "cli". Throws DomainError NotFound COMMAND-suq2upd3rt when nothing is set
 * for the condition. A running server sees the change on its next call
 * through `external-changes.ts`.
 */
export function deleteStoredExecution(
  db: Db,
  instanceId: string,
  condition: Condition,
  options: { readonly onAppend?: (event: StoredEvent) => void } = {},
): ChangeDetails {
  return createActionStore({ db, onAppend: options.onAppend }).deleteExecution(
    { instanceId, creator: cliCreator },
    condition,
  );
}
