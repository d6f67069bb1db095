import type { Db } from "./database.js";
import {
  createCommandRunner,
  type CommandScope,
} from "./command-runner.js";
import type { LogPosition, StoredEvent } from "./event-log.js";
import { createExecutionCommands } from "./execution-commands.js";
import { createExecutionTable, type ExecutionPage } from "./execution-table.js";
import { createSecretBox } from "./secret-box.js";
import { createTargetCommands } from "./target-commands.js";
import { createTargetTable, type TargetPage } from "./target-table.js";
import type { Condition } from "../domain/condition.js";
import type { Execution, ExecutionTarget } from "../domain/execution.js";
import type { IdGenerator } from "../domain/id-generator.js";
import type {
  ExecutionFilter,
  ListPage,
  TargetFilter,
  TargetSortField,
} from "../domain/list-query.js";
import type {
  ChangeDetails,
  Target,
  TargetChange,
  TargetSettings,
} from "../domain/target.js";

export type { CommandScope } from "./command-runner.js";

/** What the action store needs. */
export interface ActionStoreOptions {
  readonly db: Db;
  /**
   * Seals target signing keys at rest; 32 bytes for AES-256-GCM. Needed
   * only by the target commands that make a key; the command line works on
   * executions without it.
   */
  readonly secretKey?: Uint8Array;
  /** Mints target ids; required only for `createTarget`. */
  readonly ids?: IdGenerator;
  /** Default: the system clock. */
  readonly clock?: () => Date;
  /**
   * Called inside the transaction of every command that changes targets or
   * executions; a throw rolls the command back.
   */
  readonly onChange?: (instanceId: string) => void;
  /** Called after commit with the events a command wrote. */
  readonly onEvents?: (events: readonly StoredEvent[]) => void;
  /**
   * Called inside the command's transaction for each event right after it
   * is appended (the event outbox); a throw rolls the command back, so an
   * event and its deliveries are written together or not at all.
   */
  readonly onAppend?: (event: StoredEvent) => void;
}

/** A list's page and the newest event position it reflects. */
export interface Listed<T> {
  readonly page: T;
  readonly latest: LogPosition | undefined;
}

/**
 * Targets and executions of all instances: every command appends its
 * events and changes the current state in one immediate transaction, so
 * answered details are real and a failing command writes nothing.
 */
export interface ActionStore {
  /**
   * Adds a target with a fresh signing key and answers the plain key once.
   * AlreadyExists V3-DKcYh when the name is taken in the instance.
   */
  createTarget(
    scope: CommandScope,
    settings: TargetSettings,
  ): { id: string; signingKey: string; details: ChangeDetails };
  /**
   * Changes the given fields; nothing differing writes nothing and answers
   * the last details. NotFound COMMAND-xj14f2cccn, AlreadyExists V3-DKcYh.
   * `signingKey` is set when the change rotated it.
   */
  updateTarget(
    scope: CommandScope,
    id: string,
    change: TargetChange,
  ): { details: ChangeDetails; signingKey?: string };
  /**
   * Removes a target from every execution listing it (deleting executions
   * left empty), then the target. NotFound COMMAND-k4s7ucu0ax.
   */
  deleteTarget(scope: CommandScope, id: string): ChangeDetails;
  /** One indexed read; NotFound QUERY-hj5oaniyrz. */
  getTarget(instanceId: string, id: string): Target;
  listTargets(
    instanceId: string,
    filters: readonly TargetFilter[],
    sort: TargetSortField,
    page: ListPage,
  ): Listed<TargetPage>;
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

/**
 * Creates the action store over `db`, statements prepared once: the target
 * commands (target-commands.ts) and the execution commands
 * (execution-commands.ts) on one command runner, so both write their
 * events through the same log and hooks.
 */
export function createActionStore(options: ActionStoreOptions): ActionStore {
  const { db } = options;
  const clock = options.clock ?? (() => new Date());
  const onChange = options.onChange ?? (() => {});
  const box =
    options.secretKey === undefined
      ? undefined
      : createSecretBox(options.secretKey);
  const runner = createCommandRunner(db, {
    onAppend: options.onAppend,
    onEvents: options.onEvents,
  });
  const targets = createTargetTable(db);
  const executions = createExecutionTable(db);
  const { removeTargetFromExecutions, ...executionCommands } =
    createExecutionCommands({
      db,
      runner,
      targets,
      executions,
      clock,
      onChange,
    });
  const targetCommands = createTargetCommands({
    db,
    runner,
    targets,
    clock,
    ids: options.ids,
    seal(plain) {
      if (box === undefined) {
        throw new TypeError("target signing keys need a secret key");
      }
      return box.seal(plain);
    },
    onChange,
    removeFromExecutions: removeTargetFromExecutions,
  });
  return { ...targetCommands, ...executionCommands };
}
