import type Database from "better-sqlite3";
import type { Db } from "./database.js";
import {
  conditionFromJson,
  conditionToJson,
  executionIdOf,
  type Condition,
} from "../domain/condition.js";
import type { Execution, ExecutionTarget } from "../domain/execution.js";
import type { ExecutionFilter, ListPage } from "../domain/list-query.js";

/** One page of executions and the count of all matches. */
export interface ExecutionPage {
  readonly total: number;
  readonly executions: Execution[];
}

/**
 * The current-state table of executions and its side table of entries,
 * which makes "which executions list target T / include E" an indexed
 * query. Plain reads and writes, scoped by instance; the commands in
 * `action-store.ts` pair each write with its event.
 */
export interface ExecutionTable {
  /** Inserts or replaces an execution with its whole ordered list. */
  put(instanceId: string, execution: Execution): void;
  remove(instanceId: string, id: string): void;
  find(instanceId: string, id: string): Execution | undefined;
  exists(instanceId: string, id: string): boolean;
  /** Execution ids that `id` includes directly. */
  includesOf(instanceId: string, id: string): string[];
  /** Execution ids that include `id` directly. */
  includersOf(instanceId: string, id: string): string[];
  /** Execution ids whose list names the target, in id order. */
  listingTarget(instanceId: string, targetId: string): string[];
  list(
    instanceId: string,
    filters: readonly ExecutionFilter[],
    page: ListPage,
  ): ExecutionPage;
  /** Every execution of an instance in id order. */
  all(instanceId: string): Execution[];
}

interface ExecutionRow {
  id: string;
  condition: string;
  entries: string;
  created_at: number;
  changed_at: number;
  sequence: number;
}

type EntryJson = { target: string } | { include: unknown };

const columns = "id, condition, entries, created_at, changed_at, sequence";

/**
 * Counts of all executions per instance, shared by every table object of
 * one connection. The table is WITHOUT ROWID, so `count(*)` reads every
 * row of the instance: with 10,000 executions that was most of a
 * ListExecutions call. A count is reused while neither this connection
 * wrote executions (`generation`) nor another one committed anything
 * (`data_version`). Counts taken while a write of this connection may
 * still roll back are not kept: transactions here are synchronous, so
 * after the write's own turn of the event loop it has committed or not.
 */
interface CountCache {
  generation: number;
  writing: boolean;
  readonly counts: Map<string, { count: number; key: string }>;
}

const countCaches = new WeakMap<Db, CountCache>();

function countCacheOf(db: Db): CountCache {
  let cache = countCaches.get(db);
  if (cache === undefined) {
    cache = { generation: 0, writing: false, counts: new Map() };
    countCaches.set(db, cache);
  }
  return cache;
}

function noteWrite(cache: CountCache): void {
  cache.generation += 1;
  cache.counts.clear();
  if (!cache.writing) {
    cache.writing = true;
    setImmediate(() => {
      cache.writing = false;
    });
  }
}

/** Creates the execution table access over `db`, statements prepared once. */
export function createExecutionTable(db: Db): ExecutionTable {
  const upsert = db.prepare(
    `INSERT INTO executions (instance_id, id, condition, entries,
       created_at, changed_at, sequence)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (instance_id, id) DO UPDATE SET condition = excluded.condition,
       entries = excluded.entries, changed_at = excluded.changed_at,
       sequence = excluded.sequence`,
  );
  const clearEntries = db.prepare(
    "DELETE FROM execution_entries WHERE instance_id = ? AND execution_id = ?",
  );
  const insertEntry = db.prepare(
    `INSERT INTO execution_entries (instance_id, execution_id, position,
       target_id, include_id) VALUES (?, ?, ?, ?, ?)`,
  );
  const remove = db.prepare(
    "DELETE FROM executions WHERE instance_id = ? AND id = ?",
  );
  const find = db.prepare(
    `SELECT ${columns} FROM executions WHERE instance_id = ? AND id = ?`,
  );
  const exists = db
    .prepare("SELECT 1 FROM executions WHERE instance_id = ? AND id = ?")
    .pluck();
  // Nulls are dropped in code: a NOT NULL test in SQL makes the planner
  // prefer the partial include index and scan the whole instance.
  const entriesOf = db
    .prepare(
      `SELECT include_id FROM execution_entries
       WHERE instance_id = ? AND execution_id = ?`,
    )
    .pluck();
  const includersOf = db
    .prepare(
      `SELECT DISTINCT execution_id FROM execution_entries
       WHERE instance_id = ? AND include_id = ?`,
    )
    .pluck();
  const listingTarget = db
    .prepare(
      `SELECT DISTINCT execution_id FROM execution_entries
       WHERE instance_id = ? AND target_id = ? ORDER BY execution_id`,
    )
    .pluck();
  const all = db.prepare(
    `SELECT ${columns} FROM executions WHERE instance_id = ? ORDER BY id`,
  );
  const dataVersion = db.prepare("PRAGMA data_version").pluck();
  const counts = countCacheOf(db);
  // Each filter shape is prepared on first use and kept.
  const listStatements = new Map<
    string,
    { page: Statement; count: Statement }
  >();

  return {
    put(instanceId, execution) {
      noteWrite(counts);
      upsert.run(
        instanceId,
        execution.id,
        JSON.stringify(conditionToJson(execution.condition)),
        JSON.stringify(execution.targets.map(entryToJson)),
        execution.createdAt,
        execution.changedAt,
        execution.sequence,
      );
      clearEntries.run(instanceId, execution.id);
      execution.targets.forEach((entry, position) => {
        insertEntry.run(
          instanceId,
          execution.id,
          position,
          "targetId" in entry ? entry.targetId : null,
          "includeId" in entry ? entry.includeId : null,
        );
      });
    },
    remove(instanceId, id) {
      noteWrite(counts);
      remove.run(instanceId, id);
    },
    find(instanceId, id) {
      const row = find.get(instanceId, id) as ExecutionRow | undefined;
      return row === undefined ? undefined : toExecution(row);
    },
    exists(instanceId, id) {
      return exists.get(instanceId, id) !== undefined;
    },
    includesOf(instanceId, id) {
      return (entriesOf.all(instanceId, id) as (string | null)[]).filter(
        (includeId): includeId is string => includeId !== null,
      );
    },
    includersOf(instanceId, id) {
      return includersOf.all(instanceId, id) as string[];
    },
    listingTarget(instanceId, targetId) {
      return listingTarget.all(instanceId, targetId) as string[];
    },
    list(instanceId, filters, page) {
      const where: string[] = ["instance_id = ?"];
      const params: unknown[] = [instanceId];
      for (const filter of filters) {
        addFilter(filter, where, params, instanceId);
      }
      const condition = where.join(" AND ");
      const direction = page.asc ? "ASC" : "DESC";
      const shape = `${condition}|${direction}`;
      let statements = listStatements.get(shape);
      if (statements === undefined) {
        statements = {
          page: db.prepare(
            `SELECT ${columns} FROM executions WHERE ${condition}
             ORDER BY id ${direction} LIMIT ? OFFSET ?`,
          ),
          count: db
            .prepare(`SELECT count(*) FROM executions WHERE ${condition}`)
            .pluck(),
        };
        listStatements.set(shape, statements);
      }
      const total =
        filters.length === 0
          ? countAll(statements.count, instanceId)
          : (statements.count.get(...params) as number);
      const rows = statements.page.all(
        ...params,
        page.limit,
        page.offset,
      ) as ExecutionRow[];
      return { total, executions: rows.map(toExecution) };
    },
    all(instanceId) {
      return (all.all(instanceId) as ExecutionRow[]).map(toExecution);
    },
  };

  function countAll(statement: Statement, instanceId: string): number {
    const key = `${counts.generation} ${dataVersion.get() as number}`;
    const hit = counts.counts.get(instanceId);
    if (hit !== undefined && hit.key === key) {
      return hit.count;
    }
    const count = statement.get(instanceId) as number;
    if (!counts.writing) {
      counts.counts.set(instanceId, { count, key });
    }
    return count;
  }
}

type Statement = Database.Statement<unknown[]>;

function addFilter(
  filter: ExecutionFilter,
  where: string[],
  params: unknown[],
  instanceId: string,
): void {
  if ("ids" in filter) {
    where.push("id IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(filter.ids));
  } else if ("type" in filter) {
    // Ids of a type are the type itself or start with "<type>/"; "0" is
    // the character after "/", so the range is exactly those ids and the
    // primary key answers it.
    where.push("id >= ? AND id < ?");
    params.push(filter.type, `${filter.type}0`);
  } else if ("targetId" in filter) {
    where.push(
      `id IN (SELECT execution_id FROM execution_entries
        WHERE instance_id = ? AND target_id = ?)`,
    );
    params.push(instanceId, filter.targetId);
  } else {
    where.push(
      `id IN (SELECT execution_id FROM execution_entries
        WHERE instance_id = ? AND include_id = ?)`,
    );
    params.push(instanceId, filter.includeId);
  }
}

function entryToJson(entry: ExecutionTarget): EntryJson {
  return "targetId" in entry
    ? { target: entry.targetId }
    : { include: conditionToJson(entry.include) };
}

function toExecution(row: ExecutionRow): Execution {
  const entries = JSON.parse(row.entries) as EntryJson[];
  return {
    id: row.id,
    condition: parseCondition(JSON.parse(row.condition)),
    targets: entries.map((entry): ExecutionTarget => {
      if ("target" in entry) {
        return { targetId: entry.target };
      }
      const include = parseCondition(entry.include);
      return { includeId: executionIdOf(include), include };
    }),
    createdAt: row.created_at,
    changedAt: row.changed_at,
    sequence: row.sequence,
  };
}

function parseCondition(json: unknown): Condition {
  const condition = conditionFromJson(json);
  if (condition === undefined) {
    throw new TypeError("stored execution condition is invalid");
  }
  return condition;
}
