import type { Db } from "./database.js";
import { createCommandRunner } from "./command-runner.js";
import type { StoredEvent } from "./event-log.js";
import {
  createExecutionCommands,
  type ExecutionCommands,
} from "./execution-commands.js";
import { createExecutionTable } from "./execution-table.js";
import { createSecretBox } from "./secret-box.js";
import {
  createTargetCommands,
  type TargetCommands,
} from "./target-commands.js";
import { createTargetTable } from "./target-table.js";
import type { IdGenerator } from "../domain/id-generator.js";

export type { CommandScope, Listed } from "./command-runner.js";

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

/**
 * Targets and executions of all instances: every command appends its
 * events and changes the current state in one immediate transaction, so
 * answered details are real and a failing command writes nothing.
 */
export interface ActionStore extends TargetCommands, ExecutionCommands {}

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
