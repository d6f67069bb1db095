import type { Db } from "./database.js";
import {
  createEventLog,
  type LogPosition,
  type NewEvent,
  type StoredEvent,
} from "./event-log.js";
import { createSecretBox } from "./secret-box.js";
import { createTargetTable, type TargetPage } from "./target-table.js";
import { createExecutionTable, type ExecutionPage } from "./execution-table.js";
import { actionErrors } from "../domain/action-errors.js";
import {
  conditionToJson,
  executionIdOf,
  type Condition,
} from "../domain/condition.js";
import type { Execution, ExecutionTarget } from "../domain/execution.js";
import { sameExecutionTargets } from "../domain/execution-rules.js";
import { checkIncludeGraph } from "../domain/include-graph.js";
import type { IdGenerator } from "../domain/id-generator.js";
import { generateSigningKey } from "../domain/signing-key.js";
import type {
  ExecutionFilter,
  ListPage,
  TargetFilter,
  TargetSortField,
} from "../domain/list-query.js";
import { applyTargetChange } from "../domain/target-rules.js";
import type {
  ChangeDetails,
  Target,
  TargetChange,
  TargetSettings,
} from "../domain/target.js";

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

/** Creates the action store over `db`, statements prepared once. */
export function createActionStore(options: ActionStoreOptions): ActionStore {
  const { db, onChange, onEvents } = options;
  const clock = options.clock ?? (() => new Date());
  const box =
    options.secretKey === undefined
      ? undefined
      : createSecretBox(options.secretKey);
  function seal(plain: string): Buffer {
    if (box === undefined) {
      throw new TypeError("target signing keys need a secret key");
    }
    return box.seal(plain);
  }
  const log = createEventLog(db, { onAppend: options.onAppend });
  const targets = createTargetTable(db);
  const executions = createExecutionTable(db);
  // Built once: a transaction wrapper that runs whatever it is handed.
  const inTransaction = db.transaction(
    (fn: (written: StoredEvent[]) => unknown, written: StoredEvent[]) =>
      fn(written),
  );
  const readTargets = db.transaction(
    (
      instanceId: string,
      filters: readonly TargetFilter[],
      sort: TargetSortField,
      page: ListPage,
    ): Listed<TargetPage> => ({
      page: targets.list(instanceId, filters, sort, page),
      latest: log.latest(instanceId),
    }),
  );
  const readExecutions = db.transaction(
    (
      instanceId: string,
      filters: readonly ExecutionFilter[],
      page: ListPage,
    ): Listed<ExecutionPage> => ({
      page: executions.list(instanceId, filters, page),
      latest: log.latest(instanceId),
    }),
  );

  /**
   * Runs a command in one immediate transaction (taking the write lock up
   * front, so a concurrent CLI waits instead of failing mid-way) and hands
   * its events to `onEvents` once committed.
   */
  function command<T>(fn: (written: StoredEvent[]) => T): T {
    const written: StoredEvent[] = [];
    let result: T;
    try {
      result = inTransaction.immediate(fn, written) as T;
    } catch (error) {
      throw mapSqliteError(error);
    }
    if (written.length > 0) {
      onEvents?.(written);
    }
    return result;
  }

  function append(written: StoredEvent[], event: NewEvent): StoredEvent {
    const stored = log.append(event);
    written.push(stored);
    return stored;
  }

  function details(event: StoredEvent): ChangeDetails {
    return { sequence: event.sequence, changedAt: event.createdAt };
  }

  function removeTargetFromExecutions(
    scope: CommandScope,
    targetId: string,
    now: number,
    written: StoredEvent[],
  ): void {
    for (const executionId of executions.listingTarget(
      scope.instanceId,
      targetId,
    )) {
      const execution = executions.find(scope.instanceId, executionId)!;
      const rest = execution.targets.filter(
        (entry) => !("targetId" in entry && entry.targetId === targetId),
      );
      if (rest.length === 0) {
        append(written, {
          ...eventBase(scope, "execution", executionId, now),
          eventType: "execution.removed",
          payload: {},
        });
        executions.remove(scope.instanceId, executionId);
        continue;
      }
      const event = append(written, {
        ...eventBase(scope, "execution", executionId, now),
        eventType: "execution.set",
        payload: executionPayload(execution.condition, rest),
      });
      executions.put(scope.instanceId, {
        ...execution,
        targets: rest,
        changedAt: now,
        sequence: event.sequence,
      });
    }
  }

  return {
    createTarget(scope, settings) {
      if (options.ids === undefined) {
        throw new TypeError("createTarget needs an id generator");
      }
      const ids = options.ids;
      return command((written) => {
        if (targets.idByName(scope.instanceId, settings.name) !== undefined) {
          throw actionErrors.targetNameTaken();
        }
        const id = ids();
        const now = clock().getTime();
        const signingKey = generateSigningKey();
        const event = append(written, {
          ...eventBase(scope, "target", id, now),
          eventType: "target.added",
          payload: settings,
        });
        targets.insert(
          scope.instanceId,
          {
            ...settings,
            id,
            createdAt: now,
            changedAt: now,
            sequence: event.sequence,
          },
          seal(signingKey),
        );
        onChange?.(scope.instanceId);
        return { id, signingKey, details: details(event) };
      });
    },

    updateTarget(scope, id, change) {
      return command((written) => {
        const current = targets.find(scope.instanceId, id);
        if (current === undefined) {
          throw actionErrors.targetNotFoundOnUpdate();
        }
        const next = applyTargetChange(current, change);
        if (next === undefined && change.rotateSigningKey !== true) {
          return {
            details: {
              sequence: current.sequence,
              changedAt: current.changedAt,
            },
          };
        }
        const settings = next ?? current;
        if (settings.name !== current.name) {
          const owner = targets.idByName(scope.instanceId, settings.name);
          if (owner !== undefined && owner !== id) {
            throw actionErrors.targetNameTaken();
          }
        }
        const now = clock().getTime();
        const signingKey =
          change.rotateSigningKey === true ? generateSigningKey() : undefined;
        const event = append(written, {
          ...eventBase(scope, "target", id, now),
          eventType: "target.changed",
          payload: {
            ...changedFields(current, settings),
            ...(signingKey === undefined ? {} : { signingKeyRotated: true }),
          },
        });
        targets.update(
          scope.instanceId,
          id,
          settings,
          now,
          event.sequence,
          signingKey === undefined ? undefined : seal(signingKey),
        );
        onChange?.(scope.instanceId);
        return signingKey === undefined
          ? { details: details(event) }
          : { details: details(event), signingKey };
      });
    },

    deleteTarget(scope, id) {
      return command((written) => {
        const current = targets.find(scope.instanceId, id);
        if (current === undefined) {
          throw actionErrors.targetNotFoundOnDelete();
        }
        const now = clock().getTime();
        removeTargetFromExecutions(scope, id, now, written);
        const event = append(written, {
          ...eventBase(scope, "target", id, now),
          eventType: "target.removed",
          payload: { name: current.name },
        });
        targets.remove(scope.instanceId, id);
        onChange?.(scope.instanceId);
        return details(event);
      });
    },

    getTarget(instanceId, id) {
      const target = targets.find(instanceId, id);
      if (target === undefined) {
        throw actionErrors.targetNotFoundOnGet();
      }
      return target;
    },

    listTargets(instanceId, filters, sort, page) {
      // One read transaction, so the count, the page and the position agree.
      return readTargets(instanceId, filters, sort, page);
    },

    setExecution(scope, condition, entries) {
      const id = executionIdOf(condition);
      const { instanceId } = scope;
      return command((written) => {
        const includeIds: string[] = [];
        for (const entry of entries) {
          if ("targetId" in entry) {
            if (!targets.exists(instanceId, entry.targetId)) {
              throw actionErrors.targetNotFoundInExecution();
            }
          } else {
            if (entry.includeId === id) {
              throw actionErrors.selfInclude();
            }
            if (!executions.exists(instanceId, entry.includeId)) {
              throw actionErrors.includeNotFound();
            }
            includeIds.push(entry.includeId);
          }
        }
        checkIncludeGraph(id, includeIds, {
          includesOf: (node) => executions.includesOf(instanceId, node),
          includersOf: (node) => executions.includersOf(instanceId, node),
        });
        const current = executions.find(instanceId, id);
        if (
          current !== undefined &&
          sameExecutionTargets(current.targets, entries)
        ) {
          return { sequence: current.sequence, changedAt: current.changedAt };
        }
        const now = clock().getTime();
        const event = append(written, {
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
        onChange?.(instanceId);
        return details(event);
      });
    },

    deleteExecution(scope, condition) {
      const id = executionIdOf(condition);
      return command((written) => {
        if (!executions.exists(scope.instanceId, id)) {
          throw actionErrors.executionNotFound();
        }
        const now = clock().getTime();
        const event = append(written, {
          ...eventBase(scope, "execution", id, now),
          eventType: "execution.removed",
          payload: {},
        });
        executions.remove(scope.instanceId, id);
        onChange?.(scope.instanceId);
        return details(event);
      });
    },

    listExecutions(instanceId, filters, page) {
      return readExecutions(instanceId, filters, page);
    },

    allExecutions(instanceId) {
      return executions.all(instanceId);
    },
  };
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

function eventBase(
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

/** The fields that differ, for the event's payload. */
function changedFields(
  before: TargetSettings,
  after: TargetSettings,
): Partial<TargetSettings> {
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof TargetSettings)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      changed[key] = after[key];
    }
  }
  return changed as Partial<TargetSettings>;
}
