import { existsSync } from "node:fs";
import { dataPaths } from "../store/data-directory.js";
import { openDatabase, type Db } from "../store/database.js";

/**
 * The data directory a command works on: `--data`, else `ACTIONSD_DATA`,
 * else `./data`, as for `actionsd serve`.
 */
export function resolveDataDir(flag: string | undefined): string {
  return flag ?? (process.env.ACTIONSD_DATA || "./data");
}

/**
 * Opens the database of a data directory the server has initialised.
 * Answers a one-line reason instead when there is none: opening would
 * create an empty database, and a mistyped path must not look like a data
 * directory without instances.
 */
export function openDataDirectory(
  dataDir: string,
): { readonly db: Db } | { readonly error: string } {
  const paths = dataPaths(dataDir);
  if (!existsSync(paths.database)) {
    return {
      error: `no database in ${paths.root} (start the server once first)`,
    };
  }
  return { db: openDatabase({ path: paths.database }) };
}
