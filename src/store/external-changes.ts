import type { Db } from "./database.js";

/**
 * Tells whether another connection (the CLI, while the server runs) has
 * committed to the database since the last look. In-memory caches of the
 * server (instances, executions) compare it before they answer, so a change
 * made from the command line takes effect on the next call.
 */
export interface ExternalChanges {
  /**
   * A number that grows whenever another connection commits. Commits of
   * this connection do not change it; callers invalidate for those
   * themselves.
   */
  version(): number;
}

/**
 * External changes looked at once per call instead of once per question:
 * `refresh()` reads `data_version` when a call starts, and `version()`
 * answers that reading to every cache the call consults.
 *
 * A call therefore sees every commit that finished before it started. With
 * calls interleaved, a later call's refresh only makes the answer newer for
 * the calls still running, never older.
 */
export interface ExternalChangesPerCall extends ExternalChanges {
  refresh(): void;
}

/** Reads SQLite's `data_version` on every look; no disk read. */
export function createExternalChanges(db: Db): ExternalChanges {
  const statement = db.prepare("PRAGMA data_version").pluck();
  return { version: () => statement.get() as number };
}

/** Reads SQLite's `data_version` on `refresh()` only. */
export function createExternalChangesPerCall(db: Db): ExternalChangesPerCall {
  const statement = db.prepare("PRAGMA data_version").pluck();
  let seen = statement.get() as number;
  return {
    version: () => seen,
    refresh: () => {
      seen = statement.get() as number;
    },
  };
}
