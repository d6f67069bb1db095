import {
  detailsOf,
  eventBase,
  type CommandContext,
  type CommandRunner,
  type CommandScope,
  type Listed,
} from "./command-runner.js";
import type { Db } from "./database.js";
import type { ExecutionPage, ExecutionTable } from "./execution-table.js";
import type { TargetTable } from "./target-table.js";
import { actionErrors } from "../domain/action-errors.js";
import {
  conditionToJson,
  executionIdOf,
  type Condition,
} from "../domain/condition.js";
import type { Execution, ExecutionTarget } from "../domain/execution.js";
import { sameExecutionTargets } from "../domain/execution-rules.js";
import { checkIncludeGraph } from "../domain/include-graph.js";
import type { ExecutionFilter, ListPage } from "../domain/list-query.js";
import type { ChangeDetails } from "../domain/target.js";

/** What the execution commands work on; see `createActionStore`. */
export interface ExecutionCommandsOptions {
  readonly db: Db;
  readonly runner: CommandRunner;
  readonly targets: TargetTable;
  readonly executions: ExecutionTable;
  readonly clock: () => Date;
  /** Called inside the transaction of every change. */
  readonly onChange: (instanceId: string) => void;
}

/** The execution half of the action store. */
export interface ExecutionCommands {
  /**
   * Sets (upserts) an execution's whole list, already validated by
   * `validateExecutionTargets`. NotFound COMMAND-17e8fq1ggk (target),
   * COMMAND-slgj0l4cdz (include); FailedPrecondition for include circles
   * and depth. The same list again writes nothing.
   */
  setExecution(
    scope: CommandScope,
    condition: Condition,
    targets: readonly ExecutionTarget[],
  ): ChangeDetails;
  /**
   * Deletes an execution; executions including it keep their include and
   * run without it. NotFound COMMAND-suq2upd3rt.
   */
  deleteExecution(scope: CommandScope, condition: Condition): ChangeDetails;
  listExecutions(
    instanceId: string,
    filters: readonly ExecutionFilter[],
    page: ListPage,
  ): Listed<ExecutionPage>;
  /** Every execution of an instance in id order (for the command line). */
  allExecutions(instanceId: string): Execution[];
}

/** The execution commands, and what deleting a target needs of them. */
export interface ExecutionCommandSet extends ExecutionCommands {
  /**
   * Takes a target out of every execution listing it, inside the running
   * command `context`: an execution left empty is removed, the others are
   * set again without it, each with its event.
   */
  removeTargetFromExecutions(
    context: CommandContext,
    scope: CommandScope,
    targetId: string,
    now: number,
  ): void;
}

/** Creates the execution commands. */
export function createExecutionCommands(
  options: ExecutionCommandsOptions,
): ExecutionCommandSet {
  const { runner, targets, executions, clock, onChange } = options;
  // One read transaction, so the count, the page and the position agree.
  const readExecutions = options.db.transaction(
    (instanceId: string, filters: readonly ExecutionFilter[], page: ListPage) => ({
      page: executions.list(instanceId, filters, page),
      latest: runner.latest(instanceId),
    }),
  );

  function checkEntries(
    instanceId: string,
    id: string,
    entries: readonly ExecutionTarget[],
  ): void {
    const includeIds: string[] = [];
    for (const entry of entries) {
      if ("targetId" in entry) {
        if (!targets.exists(instanceId, entry.targetId)) {
          throw actionErrors.targetNotFoundInExecution();
        }
        continue;
      }
      if (entry.includeId === id) {
        throw actionErrors.selfInclude();
      }
      if (!executions.exists(instanceId, entry.includeId)) {
        throw actionErrors.includeNotFound();
      }
      includeIds.push(entry.includeId);
    }
    checkIncludeGraph(id, includeIds, {
      includesOf: (node) => executions.includesOf(instanceId, node),
      includersOf: (node) => executions.includersOf(instanceId, node),
    });
  }

  return {
    setExecution(scope, condition, entries) {
      const id = executionIdOf(condition);
      const { instanceId } = scope;
      return runner.command((context) => {
        checkEntries(instanceId, id, entries);
        const current = executions.find(instanceId, id);
        if (
          current !== undefined &&
          sameExecutionTargets(current.targets, entries)
        ) {
          return { sequence: current.sequence, changedAt: current.changedAt };
        }
        const now = clock().getTime();
        const event = context.append({
          ...eventBase(scope, "execution", id, now),
          eventType: "execution.set",
          payload: executionPayload(condition, entries),
        });
        executions.put(instanceId, {
          id,
          condition,
          targets: entries,
          createdAt: current?.createdAt ?? now,
          changedAt: now,
          sequence: event.sequence,
        });
        onChange(instanceId);
        return detailsOf(event);
      });
    },

    deleteExecution(scope, condition) {
      const id = executionIdOf(condition);
      return runner.command((context) => {
        if (!executions.exists(scope.instanceId, id)) {
          throw actionErrors.executionNotFound();
        }
        const now = clock().getTime();
        const event = context.append({
          ...eventBase(scope, "execution", id, now),
          eventType: "execution.removed",
          payload: {},
        });
        executions.remove(scope.instanceId, id);
        onChange(scope.instanceId);
        return detailsOf(event);
      });
    },

    listExecutions: (instanceId, filters, page) =>
      readExecutions(instanceId, filters, page),

    allExecutions: (instanceId) => executions.all(instanceId),

    removeTargetFromExecutions(context, scope, targetId, now) {
      const { instanceId } = scope;
      for (const executionId of executions.listingTarget(instanceId, targetId)) {
        const execution = executions.find(instanceId, executionId)!;
        const rest = execution.targets.filter(
          (entry) => !("targetId" in entry && entry.targetId === targetId),
        );
        if (rest.length === 0) {
          context.append({
            ...eventBase(scope, "execution", executionId, now),
            eventType: "execution.removed",
            payload: {},
          });
          executions.remove(instanceId, executionId);
          continue;
        }
        const event = context.append({
          ...eventBase(scope, "execution", executionId, now),
          eventType: "execution.set",
          payload: executionPayload(execution.condition, rest),
        });
        executions.put(instanceId, {
          ...execution,
          targets: rest,
          changedAt: now,
          sequence: event.sequence,
        });
      }
    },
  };
}

function executionPayload(
  condition: Condition,
  entries: readonly ExecutionTarget[],
) {
  return {
    condition: conditionToJson(condition),
    targets: entries.map((entry) =>
      "targetId" in entry
        ? { target: entry.targetId }
        : { include: conditionToJson(entry.include) },
    ),
  };
}
