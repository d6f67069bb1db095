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

/** Reads SQLite's `data_version`, a cheap check that does no disk read. */
export function createExternalChanges(db: Db): ExternalChanges {
  const statement = db.prepare("PRAGMA data_version").pluck();
  return { version: () => statement.get() as number };
}
