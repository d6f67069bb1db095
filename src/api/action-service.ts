import { callerOf } from "./caller-of.js";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ActionService,
  CreateTargetResponseSchema,
  DeleteExecutionResponseSchema,
  DeleteTargetResponseSchema,
  GetTargetByIDResponseSchema,
  ListExecutionFunctionsResponseSchema,
  ListExecutionMethodsResponseSchema,
  ListExecutionServicesResponseSchema,
  ListExecutionsResponseSchema,
  ListTargetsResponseSchema,
  SetExecutionResponseSchema,
  UpdateTargetResponseSchema,
} from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import {
  ExecutionSchema,
  ExecutionTargetTypeSchema,
  type ExecutionTargetType,
} from "../../gen/zitadel/action/v3alpha/execution_pb.js";
import type { Caller } from "../auth/caller.js";
import { executionIdOf } from "../domain/condition.js";
import type { Execution } from "../domain/execution.js";
import {
  checkConditionServed,
  validateExecutionTargets,
  type ExecutionTargetInput,
  type ServedNames,
} from "../domain/execution-rules.js";
import type { IdGenerator } from "../domain/id-generator.js";
import {
  validateNewTarget,
  validateTargetChange,
  validateTargetId,
} from "../domain/target-rules.js";
import type { Db } from "../store/database.js";
import type { StoredEvent } from "../store/event-log.js";
import { createActionStore, type CommandScope } from "../store/action-store.js";
import {
  conditionFromMessage,
  conditionToMessage,
} from "./condition-mapping.js";
import { detailsToMessage, listDetailsToMessage } from "./details-mapping.js";
import {
  executionFiltersFromMessages,
  pageFromMessage,
  sortFieldFromMessage,
  targetFiltersFromMessages,
} from "./list-mapping.js";
import {
  targetKindFromChoice,
  targetToMessage,
  timeoutFromDuration,
} from "./target-mapping.js";

/** What the Action Service needs. */
export interface ActionServiceOptions {
  readonly db: Db;
  readonly clock: () => Date;
  readonly ids: IdGenerator;
  /** The configured function names, for function conditions. */
  readonly functions: readonly string[];
  /** Every method the router serves, as "/pkg.Svc/Method". */
  readonly servedMethods: () => readonly string[];
  /** Seals target signing keys at rest; 32 bytes for AES-256-GCM. */
  readonly secretKey: Uint8Array;
  /**
   * Refuses target endpoints on the deny list: answers a reason, or
   * undefined when the endpoint is allowed. Default: allow all.
   */
  readonly checkEndpoint?: (endpoint: URL) => string | undefined;
  /**
   * Called inside the transaction of every command that changes targets or
   * executions of an instance, so in-memory indexes never lag.
   */
  readonly onChange?: (instanceId: string) => void;
  /**
   * Called inside the transaction for every event a command appends
   * (target.added, execution.set, ...), so the outbox of event executions
   * is written with the event or not at all. Default: none.
   */
  readonly onAppend?: (event: StoredEvent) => void;
}

/**
 * Implements every RPC of zitadel.action.v3alpha.ActionService over the
 * SQLite store (API.md sections 2 to 5). Every call is scoped by the
 * caller's instance (`callerKey`); without a caller it fails with
 * Unauthenticated. Handlers throw DomainError and leave the conversion to
 * Connect errors to the error interceptor; permissions are the auth
 * interceptor's job.
 */
export function createActionService(
  options: ActionServiceOptions,
): ServiceImpl<typeof ActionService> {
  const store = createActionStore({
    db: options.db,
    secretKey: options.secretKey,
    ids: options.ids,
    clock: options.clock,
    onChange: options.onChange,
    onAppend: options.onAppend,
  });
  const { checkEndpoint } = options;
  const functions = [...new Set(options.functions)].sort();
  const functionSet = new Set(functions);
  const served = createServedNames(options.servedMethods, functionSet);

  return {
    createTarget(request, context) {
      const caller = callerOf(context);
      const settings = validateNewTarget(
        {
          name: request.name,
          kind: targetKindFromChoice(request.targetType),
          timeout: timeoutFromDuration(request.timeout),
          endpoint: request.endpoint,
        },
        checkEndpoint,
      );
      const created = store.createTarget(scopeOf(caller), settings);
      return create(CreateTargetResponseSchema, {
        id: created.id,
        details: detailsToMessage(created.details, caller.instanceId),
        signingKey: created.signingKey,
      });
    },

    updateTarget(request, context) {
      const caller = callerOf(context);
      const change = {
        name: request.name,
        kind: targetKindFromChoice(request.targetType),
        timeout: timeoutFromDuration(request.timeout),
        endpoint: request.endpoint,
        rotateSigningKey: request.rotateSigningKey,
      };
      validateTargetChange(request.targetId, change, checkEndpoint);
      const updated = store.updateTarget(
        scopeOf(caller),
        request.targetId,
        change,
      );
      return create(UpdateTargetResponseSchema, {
        details: detailsToMessage(updated.details, caller.instanceId),
        signingKey: updated.signingKey ?? "",
      });
    },

    deleteTarget(request, context) {
      const caller = callerOf(context);
      validateTargetId(request.targetId);
      const details = store.deleteTarget(scopeOf(caller), request.targetId);
      return create(DeleteTargetResponseSchema, {
        details: detailsToMessage(details, caller.instanceId),
      });
    },

    getTargetByID(request, context) {
      const caller = callerOf(context);
      validateTargetId(request.targetId);
      const target = store.getTarget(caller.instanceId, request.targetId);
      return create(GetTargetByIDResponseSchema, {
        target: targetToMessage(target, caller.instanceId),
      });
    },

    listTargets(request, context) {
      const caller = callerOf(context);
      const page = pageFromMessage(request.query);
      const sort = sortFieldFromMessage(request.sortingColumn);
      const filters = targetFiltersFromMessages(request.queries);
      const listed = store.listTargets(caller.instanceId, filters, sort, page);
      return create(ListTargetsResponseSchema, {
        details: listDetailsToMessage(listed.page.total, listed.latest),
        sortingColumn: request.sortingColumn,
        result: listed.page.targets.map((target) =>
          targetToMessage(target, caller.instanceId),
        ),
      });
    },

    setExecution(request, context) {
      const caller = callerOf(context);
      const condition = conditionFromMessage(request.condition);
      checkConditionServed(condition, served());
      const entries = validateExecutionTargets(
        executionIdOf(condition),
        request.targets.map(entryInput),
      );
      const details = store.setExecution(scopeOf(caller), condition, entries);
      return create(SetExecutionResponseSchema, {
        details: detailsToMessage(details, caller.instanceId),
      });
    },

    deleteExecution(request, context) {
      const caller = callerOf(context);
      const condition = conditionFromMessage(request.condition);
      const details = store.deleteExecution(scopeOf(caller), condition);
      return create(DeleteExecutionResponseSchema, {
        details: detailsToMessage(details, caller.instanceId),
      });
    },

    listExecutions(request, context) {
      const caller = callerOf(context);
      const page = pageFromMessage(request.query);
      const filters = executionFiltersFromMessages(request.queries);
      const listed = store.listExecutions(caller.instanceId, filters, page);
      return create(ListExecutionsResponseSchema, {
        details: listDetailsToMessage(listed.page.total, listed.latest),
        result: listed.page.executions.map((execution) =>
          executionToMessage(execution, caller.instanceId),
        ),
      });
    },

    listExecutionFunctions(_request, context) {
      callerOf(context);
      return create(ListExecutionFunctionsResponseSchema, { functions });
    },

    listExecutionMethods(_request, context) {
      callerOf(context);
      return create(ListExecutionMethodsResponseSchema, {
        methods: served().sortedMethods,
      });
    },

    listExecutionServices(_request, context) {
      callerOf(context);
      return create(ListExecutionServicesResponseSchema, {
        services: served().sortedServices,
      });
    },
  };
}

/** Served names plus their sorted lists, for the name-list RPCs. */
interface ServedIndex extends ServedNames {
  readonly sortedMethods: string[];
  readonly sortedServices: string[];
}

/**
 * Derives methods and services from `servedMethods()`, rebuilding only when
 * it answers a different list, since the router's set is fixed after
 * startup in practice.
 */
function createServedNames(
  servedMethods: () => readonly string[],
  functions: ReadonlySet<string>,
): () => ServedIndex {
  let source: readonly string[] | undefined;
  let index: ServedIndex | undefined;
  return () => {
    const current = servedMethods();
    if (index !== undefined && current === source) {
      return index;
    }
    const sortedMethods = [...new Set(current)].sort();
    const services = new Set<string>();
    for (const method of sortedMethods) {
      // "/pkg.Svc/Method" -> "pkg.Svc".
      const end = method.lastIndexOf("/");
      if (end > 1) {
        services.add(method.slice(1, end));
      }
    }
    source = current;
    index = {
      methods: new Set(sortedMethods),
      services,
      functions,
      sortedMethods,
      sortedServices: [...services].sort(),
    };
    return index;
  };
}

function scopeOf(caller: Caller): CommandScope {
  return { instanceId: caller.instanceId, creator: caller.userId };
}

function entryInput(entry: ExecutionTargetType): ExecutionTargetInput {
  switch (entry.type.case) {
    case "target":
      return { targetId: entry.type.value };
    case "include":
      return { include: conditionFromMessage(entry.type.value) };
    default:
      return {};
  }
}

function executionToMessage(execution: Execution, instanceId: string) {
  return create(ExecutionSchema, {
    condition: conditionToMessage(execution.condition),
    details: detailsToMessage(execution, instanceId),
    targets: execution.targets.map((entry) =>
      create(ExecutionTargetTypeSchema, {
        type:
          "targetId" in entry
            ? { case: "target", value: entry.targetId }
            : { case: "include", value: conditionToMessage(entry.include) },
      }),
    ),
  });
}
