import type { Db } from "./database.js";
import { createSecretBox, type SecretBox } from "./secret-box.js";
import {
  createTargetTable,
  type SealedTarget,
  type TargetTable,
} from "./target-table.js";
import {
  createExecutionTable,
  type ExecutionTable,
} from "./execution-table.js";
import type { Execution } from "../domain/execution.js";
import type {
  ExecutionEntry,
  ExecutionSnapshot,
  RuntimeTarget,
  SnapshotLookup,
} from "../domain/execution-snapshot.js";
import { timeoutMillis } from "../domain/target.js";

// Tables are built once per database and boxes once per key, so reloading
// a snapshot after each change prepares nothing.
const tablesByDb = new WeakMap<
  Db,
  { targets: TargetTable; executions: ExecutionTable }
>();
const boxesByKey = new WeakMap<Uint8Array, SecretBox>();

/**
 * Opens a snapshot of one instance that reads lazily: an execution or a
 * target is read by its key the first time the runtime asks for it, then
 * remembered. A call needs only the few ids that can match it (method,
 * service, all, and their includes), so after a change the index drops
 * the snapshot and the next call reads those few rows, instead of every
 * execution of the instance. Throws, on first read of a target, when its
 * sealed key does not open (the wrong secret key).
 */
export function openExecutionSnapshot(
  db: Db,
  secretKey: Uint8Array,
  instanceId: string,
): ExecutionSnapshot {
  const { targets, executions } = tablesOf(db);
  const unseal = boxOf(secretKey);
  return {
    executions: remembering((id) => {
      const execution = executions.find(instanceId, id);
      return execution === undefined ? undefined : entriesOf(execution);
    }),
    targets: remembering((id) => findTarget(targets, unseal, instanceId, id)),
  };
}

/**
 * Reads one target as the runtime calls it, with its signing key unsealed
 * with `secretKey`; undefined when it does not exist (any more). Throws
 * when the key does not open, which means the wrong secret key.
 */
export function findRuntimeTarget(
  db: Db,
  secretKey: Uint8Array,
  instanceId: string,
  targetId: string,
): RuntimeTarget | undefined {
  return findTarget(tablesOf(db).targets, boxOf(secretKey), instanceId, targetId);
}

function findTarget(
  targets: TargetTable,
  unseal: SecretBox,
  instanceId: string,
  targetId: string,
): RuntimeTarget | undefined {
  const target = targets.findSealed(instanceId, targetId);
  return target === undefined ? undefined : runtimeTarget(target, unseal);
}

function tablesOf(db: Db): { targets: TargetTable; executions: ExecutionTable } {
  let tables = tablesByDb.get(db);
  if (tables === undefined) {
    tables = {
      targets: createTargetTable(db),
      executions: createExecutionTable(db),
    };
    tablesByDb.set(db, tables);
  }
  return tables;
}

function boxOf(secretKey: Uint8Array): SecretBox {
  let box = boxesByKey.get(secretKey);
  if (box === undefined) {
    box = createSecretBox(secretKey);
    boxesByKey.set(secretKey, box);
  }
  return box;
}

function entriesOf(execution: Execution): readonly ExecutionEntry[] {
  return execution.targets.map((entry) =>
    "targetId" in entry
      ? { targetId: entry.targetId }
      : { includeId: entry.includeId },
  );
}

function runtimeTarget(target: SealedTarget, unseal: SecretBox): RuntimeTarget {
  return {
    id: target.id,
    name: target.name,
    type: target.type,
    interruptOnError: target.interruptOnError,
    timeoutMs: timeoutMillis(target.timeout),
    endpoint: target.endpoint,
    signingKey: unseal.open(target.sealedKey),
  };
}

// Remembers misses too, so a call for a method without an execution reads
// its candidate ids once per snapshot, not once per call.
function remembering<T>(read: (id: string) => T | undefined): SnapshotLookup<T> {
  const known = new Map<string, T | null>();
  const get = (id: string): T | undefined => {
    let value = known.get(id);
    if (value === undefined) {
      value = read(id) ?? null;
      known.set(id, value);
    }
    return value ?? undefined;
  };
  return { get, has: (id) => get(id) !== undefined };
}
