import { eventExecutionCandidates } from "../domain/condition.js";
import type {
  ExecutionSnapshot,
  RuntimeTarget,
} from "../domain/execution-snapshot.js";
import type { ExternalChanges } from "../store/external-changes.js";

/** Loads what the runtime needs of one instance (the store's loader). */
export type SnapshotLoader = (instanceId: string) => ExecutionSnapshot;

/** The two conditions that run around a call. */
export type CallConditionKind = "request" | "response";

/** Options of `createExecutionIndex`. */
export interface ExecutionIndexOptions {
  /** Reads an instance's executions and targets in one go. */
  readonly load: SnapshotLoader;
  /**
   * Tells when another process (the CLI) committed; every instance is then
   * reloaded on its next call. Default: no such check.
   */
  readonly externalChanges?: ExternalChanges;
}

/**
 * Finds the targets that run for a call, from memory. Each instance's
 * snapshot is loaded on first use and dropped by `onChange` (called by the
 * store inside the transaction of every change) or by a commit of another
 * process, so a change takes effect on the very next call. Resolved
 * target lists are cached per condition, so a call without an execution
 * costs two Map lookups.
 */
export interface ExecutionIndex {
  /**
   * The targets for a call of `fullMethod` ("/pkg.Svc/M"): those of the
   * method's execution, else the service's, else the one for all, with
   * includes expanded in place, in order. Empty when none exists.
   */
  resolve(
    instanceId: string,
    kind: CallConditionKind,
    fullMethod: string,
  ): readonly RuntimeTarget[];
  /** The targets of the function execution `name`; empty when none. */
  resolveFunction(instanceId: string, name: string): readonly RuntimeTarget[];
  /**
   * The targets for an event type ("user.human.added"): the event's
   * execution, else the longest matching group ("user.human.*", then
   * "user.*"), else the one for all events.
   */
  resolveEvent(instanceId: string, eventType: string): readonly RuntimeTarget[];
  /** Drops an instance's snapshot; the store calls it on every change. */
  onChange(instanceId: string): void;
  /** Drops every snapshot. */
  invalidateAll(): void;
}

/** Include chains deeper than this are cut, as a guard against cycles. */
const maxIncludeDepth = 8;

const none: readonly RuntimeTarget[] = Object.freeze([]);

interface InstanceIndex {
  readonly snapshot: ExecutionSnapshot;
  /** Lookup key (kind and method, or an execution id) to its targets. */
  readonly resolved: Map<string, readonly RuntimeTarget[]>;
}

/** Creates the in-memory execution index. */
export function createExecutionIndex(
  options: ExecutionIndexOptions,
): ExecutionIndex {
  const instances = new Map<string, InstanceIndex>();
  let externalVersion = options.externalChanges?.version();

  function instance(instanceId: string): InstanceIndex {
    if (options.externalChanges !== undefined) {
      const version = options.externalChanges.version();
      if (version !== externalVersion) {
        externalVersion = version;
        instances.clear();
      }
    }
    let entry = instances.get(instanceId);
    if (entry === undefined) {
      entry = { snapshot: options.load(instanceId), resolved: new Map() };
      instances.set(instanceId, entry);
    }
    return entry;
  }

  function cached(
    index: InstanceIndex,
    key: string,
    candidates: () => string[],
  ): readonly RuntimeTarget[] {
    const hit = index.resolved.get(key);
    if (hit !== undefined) {
      return hit;
    }
    let targets = none;
    for (const id of candidates()) {
      if (index.snapshot.executions.has(id)) {
        targets = Object.freeze(expand(index.snapshot, id));
        break;
      }
    }
    index.resolved.set(key, targets);
    return targets;
  }

  return {
    resolve(instanceId, kind, fullMethod) {
      const index = instance(instanceId);
      return cached(index, `${kind}${fullMethod}`, () => {
        // "/pkg.Svc/M" -> "pkg.Svc"
        const service = fullMethod.slice(1, fullMethod.lastIndexOf("/"));
        return [`${kind}${fullMethod}`, `${kind}/${service}`, kind];
      });
    },
    resolveFunction(instanceId, name) {
      const index = instance(instanceId);
      const id = `function/${name}`;
      return cached(index, id, () => [id]);
    },
    resolveEvent(instanceId, eventType) {
      const index = instance(instanceId);
      return cached(index, `event/${eventType}`, () =>
        eventExecutionCandidates(eventType),
      );
    },
    onChange(instanceId) {
      instances.delete(instanceId);
    },
    invalidateAll() {
      instances.clear();
    },
  };
}

function expand(snapshot: ExecutionSnapshot, id: string): RuntimeTarget[] {
  const targets: RuntimeTarget[] = [];
  const path = new Set<string>();
  const walk = (executionId: string) => {
    const entries = snapshot.executions.get(executionId);
    // The store refuses cycles and deep chains; the guard only keeps a
    // damaged database from hanging calls.
    if (
      entries === undefined ||
      path.has(executionId) ||
      path.size >= maxIncludeDepth
    ) {
      return;
    }
    path.add(executionId);
    for (const entry of entries) {
      if ("targetId" in entry) {
        const target = snapshot.targets.get(entry.targetId);
        if (target !== undefined) {
          targets.push(target);
        }
      } else {
        walk(entry.includeId);
      }
    }
    path.delete(executionId);
  };
  walk(id);
  return targets;
}
