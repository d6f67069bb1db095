import { chmodSync } from "node:fs";
import Database from "better-sqlite3";
import { migrations } from "./migrations.js";

/** The handle every store shares; one per process and data directory. */
export type Db = Database.Database;

/** Options of `openDatabase`. */
export interface OpenDatabaseOptions {
  /** A file path, or ":memory:" for tests. */
  readonly path: string;
  /**
   * How long a write waits for another process's lock (the CLI may write
   * while the server runs) before it fails with SQLITE_BUSY. Default 5000 ms.
   */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens the SQLite database in WAL mode (readers never block the writer)
 * and brings its schema to the newest version before anything else runs.
 */
export function openDatabase(options: OpenDatabaseOptions): Db {
  const db = new Database(options.path);
  if (options.path !== ":memory:") {
    // The database holds token signing keys; SQLite gives the WAL and
    // shared-memory files the same mode as the database file.
    chmodSync(options.path, 0o600);
  }
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma("journal_mode = WAL");
  // With WAL, NORMAL writes every commit to the log before it returns, so a
  // killed process loses nothing it acknowledged; only a power loss may drop
  // the newest commits. FULL would add an fsync per commit for that case.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}

/**
 * Applies every migration newer than the database's `user_version`, each in
 * its own transaction, so a failed migration leaves the previous version.
 */
export function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (const migration of migrations) {
    if (migration.version <= current) {
      continue;
    }
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
