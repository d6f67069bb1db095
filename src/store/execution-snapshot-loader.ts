import type { Db } from "./database.js";
import { createSecretBox, type SecretBox } from "./secret-box.js";
import { createTargetTable, type TargetTable } from "./target-table.js";
import {
  createExecutionTable,
  type ExecutionTable,
} from "./execution-table.js";
import type {
  ExecutionEntry,
  ExecutionSnapshot,
  RuntimeTarget,
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
 * Loads everything the execution runtime needs for one instance in one read
 * transaction: every execution's ordered entries by execution id, and every
 * target with its signing key unsealed with `secretKey` (32 bytes). Throws
 * when a sealed key does not open, which means the wrong secret key.
 */
export function loadExecutionSnapshot(
  db: Db,
  secretKey: Uint8Array,
  instanceId: string,
): ExecutionSnapshot {
  let tables = tablesByDb.get(db);
  if (tables === undefined) {
    tables = {
      targets: createTargetTable(db),
      executions: createExecutionTable(db),
    };
    tablesByDb.set(db, tables);
  }
  let box = boxesByKey.get(secretKey);
  if (box === undefined) {
    box = createSecretBox(secretKey);
    boxesByKey.set(secretKey, box);
  }
  const { targets, executions } = tables;
  const unseal = box;
  return db.transaction((): ExecutionSnapshot => {
    const executionMap = new Map<string, readonly ExecutionEntry[]>();
    for (const execution of executions.all(instanceId)) {
      executionMap.set(
        execution.id,
        execution.targets.map((entry) =>
          "targetId" in entry
            ? { targetId: entry.targetId }
            : { includeId: entry.includeId },
        ),
      );
    }
    const targetMap = new Map<string, RuntimeTarget>();
    for (const target of targets.all(instanceId)) {
      targetMap.set(target.id, {
        id: target.id,
        name: target.name,
        type: target.type,
        interruptOnError: target.interruptOnError,
        timeoutMs: timeoutMillis(target.timeout),
        endpoint: target.endpoint,
        signingKey: unseal.open(target.sealedKey),
      });
    }
    return { executions: executionMap, targets: targetMap };
  })();
}
