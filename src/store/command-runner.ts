import type { Db } from "./database.js";
import {
  createEventLog,
  type LogPosition,
  type NewEvent,
  type StoredEvent,
} from "./event-log.js";
import { actionErrors } from "../domain/action-errors.js";
import type { ChangeDetails } from "../domain/target.js";

/** Who runs a command: the instance it belongs to and the event creator. */
export interface CommandScope {
  readonly instanceId: string;
  readonly creator: string;
}

/** A list's page and the newest event position it reflects. */
export interface Listed<T> {
  readonly page: T;
  readonly latest: LogPosition | undefined;
}

/** What a running command may do besides changing tables: write events. */
export interface CommandContext {
  /** Appends an event in the command's transaction and answers it stored. */
  append(event: NewEvent): StoredEvent;
}

/** Runs the commands of the action store; see `createCommandRunner`. */
export interface CommandRunner {
  /**
   * Runs `fn` in one immediate transaction (taking the write lock up
   * front, so a concurrent CLI waits instead of failing mid-way) and hands
   * its events to `onEvents` once committed. SQLite failures a caller can
   * cause or wait out become domain errors (`mapSqliteError`).
   */
  command<T>(fn: (context: CommandContext) => T): T;
  /** The newest event of an instance; for reads in a transaction. */
  latest(instanceId: string): LogPosition | undefined;
}

/** Options of `createCommandRunner`. */
export interface CommandRunnerOptions {
  /** Called after commit with the events a command wrote. */
  readonly onEvents?: (events: readonly StoredEvent[]) => void;
  /**
   * Called inside the command's transaction for each event right after it
   * is appended (the event outbox); a throw rolls the command back.
   */
  readonly onAppend?: (event: StoredEvent) => void;
}

/** Creates the runner over `db`, its transaction wrapper built once. */
export function createCommandRunner(
  db: Db,
  options: CommandRunnerOptions = {},
): CommandRunner {
  const log = createEventLog(db, { onAppend: options.onAppend });
  const inTransaction = db.transaction(
    (fn: (context: CommandContext) => unknown, written: StoredEvent[]) =>
      fn({
        append(event) {
          const stored = log.append(event);
          written.push(stored);
          return stored;
        },
      }),
  );
  return {
    command<T>(fn: (context: CommandContext) => T): T {
      const written: StoredEvent[] = [];
      let result: T;
      try {
        result = inTransaction.immediate(fn, written) as T;
      } catch (error) {
        throw mapSqliteError(error);
      }
      if (written.length > 0) {
        options.onEvents?.(written);
      }
      return result;
    },
    latest: (instanceId) => log.latest(instanceId),
  };
}

/** The common fields of an event of the action store. */
export function eventBase(
  scope: CommandScope,
  aggregateType: "target" | "execution",
  aggregateId: string,
  createdAt: number,
) {
  return {
    instanceId: scope.instanceId,
    aggregateType,
    aggregateId,
    creator: scope.creator,
    createdAt,
  } as const;
}

/** The details a command answers for the event it wrote. */
export function detailsOf(event: StoredEvent): ChangeDetails {
  return { sequence: event.sequence, changedAt: event.createdAt };
}

/**
 * Turns the SQLite failures a caller can cause or wait out into domain
 * errors: a unique clash on a target name (another process won the race)
 * is AlreadyExists, a lock held past the busy timeout Unavailable. Anything
 * else stays as it is and becomes Internal.
 */
function mapSqliteError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return actionErrors.storeBusy();
  }
  if (
    code === "SQLITE_CONSTRAINT_UNIQUE" &&
    String((error as Error).message).includes("targets.name")
  ) {
    return actionErrors.targetNameTaken();
  }
  return error;
}
