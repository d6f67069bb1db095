import { existsSync } from "node:fs";
import { dataPaths } from "../store/data-directory.js";
import { openDatabase, type Db } from "../store/database.js";
import { sealPlainPrivateKeys } from "../store/key-store.js";
import { loadSecretKeyFor } from "../store/secret-key.js";

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

/**
 * Loads the secret key of an opened data directory, for a command that
 * signs tokens or creates signing keys, and seals the private keys an
 * earlier version stored plain. A missing `secret.key` is created, as the
 * server does, only while nothing in the database is sealed yet: a new
 * key could not open what the lost one sealed. Answers a one-line reason
 * instead.
 */
export function openSecretKey(
  dataDir: string,
  db: Db,
): { readonly secretKey: Uint8Array } | { readonly error: string } {
  let secretKey: Uint8Array;
  try {
    secretKey = loadSecretKeyFor(db, dataPaths(dataDir).secretKey);
  } catch (error) {
    return { error: (error as Error).message };
  }
  sealPlainPrivateKeys(db, secretKey);
  return { secretKey };
}
