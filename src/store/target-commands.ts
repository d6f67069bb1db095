import {
  detailsOf,
  eventBase,
  type CommandContext,
  type CommandRunner,
  type CommandScope,
  type Listed,
} from "./command-runner.js";
import type { Db } from "./database.js";
import type { TargetPage, TargetTable } from "./target-table.js";
import { actionErrors } from "../domain/action-errors.js";
import type { IdGenerator } from "../domain/id-generator.js";
import type {
  ListPage,
  TargetFilter,
  TargetSortField,
} from "../domain/list-query.js";
import { generateSigningKey } from "../domain/signing-key.js";
import { applyTargetChange } from "../domain/target-rules.js";
import type {
  ChangeDetails,
  Target,
  TargetChange,
  TargetSettings,
} from "../domain/target.js";

/** What the target commands work on; see `createActionStore`. */
export interface TargetCommandsOptions {
  readonly db: Db;
  readonly runner: CommandRunner;
  readonly targets: TargetTable;
  readonly clock: () => Date;
  /** Mints target ids; required only for `createTarget`. */
  readonly ids?: IdGenerator;
  /** Seals a new signing key; throws when there is no secret key. */
  readonly seal: (plain: string) => Buffer;
  /** Called inside the transaction of every change. */
  readonly onChange: (instanceId: string) => void;
  /** Takes a deleted target out of the executions, in its command. */
  readonly removeFromExecutions: (
    context: CommandContext,
    scope: CommandScope,
    targetId: string,
    now: number,
  ) => void;
}

/** The target half of the action store. */
export interface TargetCommands {
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
}

/** Creates the target commands. */
export function createTargetCommands(
  options: TargetCommandsOptions,
): TargetCommands {
  const { runner, targets, clock, seal, onChange } = options;
  // One read transaction, so the count, the page and the position agree.
  const readTargets = options.db.transaction(
    (
      instanceId: string,
      filters: readonly TargetFilter[],
      sort: TargetSortField,
      page: ListPage,
    ) => ({
      page: targets.list(instanceId, filters, sort, page),
      latest: runner.latest(instanceId),
    }),
  );

  return {
    createTarget(scope, settings) {
      const ids = options.ids;
      if (ids === undefined) {
        throw new TypeError("createTarget needs an id generator");
      }
      return runner.command((context) => {
        if (targets.idByName(scope.instanceId, settings.name) !== undefined) {
          throw actionErrors.targetNameTaken();
        }
        const id = ids();
        const now = clock().getTime();
        const signingKey = generateSigningKey();
        const event = context.append({
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
        onChange(scope.instanceId);
        return { id, signingKey, details: detailsOf(event) };
      });
    },

    updateTarget(scope, id, change) {
      return runner.command((context) => {
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
        const event = context.append({
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
        onChange(scope.instanceId);
        return signingKey === undefined
          ? { details: detailsOf(event) }
          : { details: detailsOf(event), signingKey };
      });
    },

    deleteTarget(scope, id) {
      return runner.command((context) => {
        const current = targets.find(scope.instanceId, id);
        if (current === undefined) {
          throw actionErrors.targetNotFoundOnDelete();
        }
        const now = clock().getTime();
        options.removeFromExecutions(context, scope, id, now);
        const event = context.append({
          ...eventBase(scope, "target", id, now),
          eventType: "target.removed",
          payload: { name: current.name },
        });
        targets.remove(scope.instanceId, id);
        onChange(scope.instanceId);
        return detailsOf(event);
      });
    },

    getTarget(instanceId, id) {
      const target = targets.find(instanceId, id);
      if (target === undefined) {
        throw actionErrors.targetNotFoundOnGet();
      }
      return target;
    },

    listTargets: (instanceId, filters, sort, page) =>
      readTargets(instanceId, filters, sort, page),
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
