import type Database from "better-sqlite3";
import type { Db } from "./database.js";
import type {
  Target,
  TargetSettings,
  TargetType,
} from "../domain/target.js";
import type {
  ListPage,
  TargetFilter,
  TargetSortField,
} from "../domain/list-query.js";

/** A target row with its sealed signing key, for the runtime snapshot. */
export interface SealedTarget extends Target {
  readonly sealedKey: Buffer;
}

/** One page of targets and the count of all matches. */
export interface TargetPage {
  readonly total: number;
  readonly targets: Target[];
}

/**
 * The current-state table of targets. Plain reads and writes, every one
 * scoped by instance; the commands in `action-store.ts` pair each write
 * with its event inside one transaction.
 */
export interface TargetTable {
  insert(
    instanceId: string,
    target: Target,
    sealedKey: Buffer,
  ): void;
  update(
    instanceId: string,
    id: string,
    settings: TargetSettings,
    changedAt: number,
    sequence: number,
    sealedKey: Buffer | undefined,
  ): void;
  remove(instanceId: string, id: string): void;
  find(instanceId: string, id: string): Target | undefined;
  /** Like `find`, with the sealed signing key. */
  findSealed(instanceId: string, id: string): SealedTarget | undefined;
  /** The id of the target with this exact name, if any. */
  idByName(instanceId: string, name: string): string | undefined;
  exists(instanceId: string, id: string): boolean;
  list(
    instanceId: string,
    filters: readonly TargetFilter[],
    sort: TargetSortField,
    page: ListPage,
  ): TargetPage;
}

const columns = `id, name, type, interrupt_on_error, timeout_seconds,
  timeout_nanos, endpoint, created_at, changed_at, sequence`;

const sortColumns: Record<TargetSortField, readonly string[]> = {
  id: ["id"],
  createdAt: ["created_at", "id"],
  changedAt: ["changed_at", "id"],
  name: ["name"],
  // In the order of ZITADEL's target type enum: webhook, call, async.
  type: [
    "CASE type WHEN 'webhook' THEN 0 WHEN 'call' THEN 1 ELSE 2 END",
    "id",
  ],
  endpoint: ["endpoint", "id"],
  timeout: ["timeout_seconds", "timeout_nanos", "id"],
  interruptOnError: ["interrupt_on_error", "id"],
};

interface TargetRow {
  id: string;
  name: string;
  type: TargetType;
  interrupt_on_error: number;
  timeout_seconds: number;
  timeout_nanos: number;
  endpoint: string;
  created_at: number;
  changed_at: number;
  sequence: number;
  signing_key?: Buffer;
}

/** Creates the target table access over `db`, statements prepared once. */
export function createTargetTable(db: Db): TargetTable {
  const insert = db.prepare(
    `INSERT INTO targets (instance_id, id, name, name_lower, type,
       interrupt_on_error, timeout_seconds, timeout_nanos, endpoint,
       signing_key, created_at, changed_at, sequence)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = db.prepare(
    `UPDATE targets SET name = ?, name_lower = ?, type = ?,
       interrupt_on_error = ?, timeout_seconds = ?, timeout_nanos = ?,
       endpoint = ?, signing_key = coalesce(?, signing_key),
       changed_at = ?, sequence = ?
     WHERE instance_id = ? AND id = ?`,
  );
  const remove = db.prepare(
    "DELETE FROM targets WHERE instance_id = ? AND id = ?",
  );
  const find = db.prepare(
    `SELECT ${columns} FROM targets WHERE instance_id = ? AND id = ?`,
  );
  const idByName = db
    .prepare("SELECT id FROM targets WHERE instance_id = ? AND name = ?")
    .pluck();
  const exists = db
    .prepare("SELECT 1 FROM targets WHERE instance_id = ? AND id = ?")
    .pluck();
  const findSealed = db.prepare(
    `SELECT ${columns}, signing_key FROM targets
     WHERE instance_id = ? AND id = ?`,
  );
  // Lists differ by their filters; each shape is prepared on first use and
  // kept, so a steady workload prepares nothing.
  const listStatements = new Map<
    string,
    { page: Statement; count: Statement }
  >();

  return {
    insert(instanceId, target, sealedKey) {
      insert.run(
        instanceId,
        target.id,
        target.name,
        target.name.toLowerCase(),
        target.type,
        target.interruptOnError ? 1 : 0,
        target.timeout.seconds,
        target.timeout.nanos,
        target.endpoint,
        sealedKey,
        target.createdAt,
        target.changedAt,
        target.sequence,
      );
    },
    update(instanceId, id, settings, changedAt, sequence, sealedKey) {
      update.run(
        settings.name,
        settings.name.toLowerCase(),
        settings.type,
        settings.interruptOnError ? 1 : 0,
        settings.timeout.seconds,
        settings.timeout.nanos,
        settings.endpoint,
        sealedKey ?? null,
        changedAt,
        sequence,
        instanceId,
        id,
      );
    },
    remove(instanceId, id) {
      remove.run(instanceId, id);
    },
    find(instanceId, id) {
      const row = find.get(instanceId, id) as TargetRow | undefined;
      return row === undefined ? undefined : toTarget(row);
    },
    idByName(instanceId, name) {
      return idByName.get(instanceId, name) as string | undefined;
    },
    exists(instanceId, id) {
      return exists.get(instanceId, id) !== undefined;
    },
    list(instanceId, filters, sort, page) {
      const where: string[] = ["instance_id = ?"];
      const params: unknown[] = [instanceId];
      for (const filter of filters) {
        addFilter(filter, where, params);
      }
      const direction = page.asc ? "ASC" : "DESC";
      const order = sortColumns[sort]
        .map((column) => `${column} ${direction}`)
        .join(", ");
      const shape = `${where.join(" AND ")}|${order}`;
      let statements = listStatements.get(shape);
      if (statements === undefined) {
        const condition = where.join(" AND ");
        statements = {
          page: db.prepare(
            `SELECT ${columns} FROM targets WHERE ${condition}
             ORDER BY ${order} LIMIT ? OFFSET ?`,
          ),
          count: db
            .prepare(`SELECT count(*) FROM targets WHERE ${condition}`)
            .pluck(),
        };
        listStatements.set(shape, statements);
      }
      const total = statements.count.get(...params) as number;
      const rows = statements.page.all(
        ...params,
        page.limit,
        page.offset,
      ) as TargetRow[];
      return { total, targets: rows.map(toTarget) };
    },
    findSealed(instanceId, id) {
      const row = findSealed.get(instanceId, id) as TargetRow | undefined;
      return row === undefined ? undefined : toSealedTarget(row);
    },
  };
}

type Statement = Database.Statement<unknown[]>;

/**
 * Adds one filter's SQL. Name matches use instr and substr rather than
 * LIKE, so "%" and "_" in the query are plain characters; the ignore-case
 * methods compare the lowercased copy of the name.
 */
function addFilter(
  filter: TargetFilter,
  where: string[],
  params: unknown[],
): void {
  if ("ids" in filter) {
    where.push("id IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(filter.ids));
    return;
  }
  const ignoreCase = filter.method.endsWith("IgnoreCase");
  const column = ignoreCase ? "name_lower" : "name";
  const value = ignoreCase ? filter.name.toLowerCase() : filter.name;
  if (filter.method === "equals" || filter.method === "equalsIgnoreCase") {
    where.push(`${column} = ?`);
    params.push(value);
    return;
  }
  if (value === "") {
    // Every name starts with, contains and ends with the empty string.
    return;
  }
  if (filter.method.startsWith("contains")) {
    where.push(`instr(${column}, ?) > 0`);
    params.push(value);
    return;
  }
  where.push(
    filter.method.startsWith("startsWith")
      ? `substr(${column}, 1, length(?)) = ?`
      : `substr(${column}, -length(?)) = ?`,
  );
  params.push(value, value);
}

function toTarget(row: TargetRow): Target {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    interruptOnError: row.interrupt_on_error === 1,
    timeout: { seconds: row.timeout_seconds, nanos: row.timeout_nanos },
    endpoint: row.endpoint,
    createdAt: row.created_at,
    changedAt: row.changed_at,
    sequence: row.sequence,
  };
}

function toSealedTarget(row: TargetRow): SealedTarget {
  return { ...toTarget(row), sealedKey: row.signing_key! };
}
