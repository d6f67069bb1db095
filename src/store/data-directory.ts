import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

/** Where actionsd keeps its files inside a data directory. */
export interface DataPaths {
  readonly root: string;
  /** The SQLite database. */
  readonly database: string;
  /** The admin token written at first start (mode 0600). */
  readonly adminToken: string;
  /** The key that seals target and token signing keys at rest (mode 0600). */
  readonly secretKey: string;
}

/** Answers the paths inside `dir`, without touching the disk. */
export function dataPaths(dir: string): DataPaths {
  const root = resolve(dir);
  return {
    root,
    database: join(root, "actionsd.db"),
    adminToken: join(root, "admin.token"),
    secretKey: join(root, "secret.key"),
  };
}

/**
 * Creates the data directory when it is missing, readable by the owner only
 * since it holds keys and tokens, and answers its paths.
 */
export function ensureDataDirectory(dir: string): DataPaths {
  const paths = dataPaths(dir);
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  return paths;
}
