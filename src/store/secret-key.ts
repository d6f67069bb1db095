import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Db } from "./database.js";

/** The length of the at-rest key: 32 bytes for AES-256-GCM. */
export const secretKeyLength = 32;

/**
 * Reads the key that seals signing keys (of targets and of tokens) at rest
 * from `path`, or creates it (32 random bytes, mode 0600) when the file
 * does not exist. A file of another length is refused, since sealing with
 * a different key would make every stored signing key unreadable.
 */
export function loadSecretKey(path: string): Uint8Array {
  let key: Buffer;
  try {
    key = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
    key = randomBytes(secretKeyLength);
    try {
      // "wx" fails if another process created the file meanwhile; then its
      // key is the one to use.
      writeFileSync(path, key, { mode: 0o600, flag: "wx" });
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== "EEXIST") {
        throw writeError;
      }
      key = readFileSync(path);
    }
  }
  if (key.length !== secretKeyLength) {
    throw new Error(
      `${path} holds ${key.length} bytes, expected ${secretKeyLength}`,
    );
  }
  return new Uint8Array(key);
}

/**
 * `loadSecretKey` for the data directory whose database is `db`, refusing
 * to create a new key when the file is missing but the database already
 * holds values sealed with the lost one: a new key could open none of
 * them, and the error would only show later, on the first target call or
 * minted token. Throws an Error with a one-line message then.
 */
export function loadSecretKeyFor(db: Db, path: string): Uint8Array {
  if (!existsSync(path) && holdsSealedValues(db)) {
    throw new Error(
      `${path} is missing, and the database holds keys sealed with it; ` +
        "restore the file",
    );
  }
  return loadSecretKey(path);
}

// Target signing keys are always sealed; token signing keys once a version
// that seals has written or opened them.
function holdsSealedValues(db: Db): boolean {
  const found = db
    .prepare(
      "SELECT EXISTS (SELECT 1 FROM targets) OR EXISTS (SELECT 1 " +
        "FROM signing_keys WHERE typeof(private_jwk) = 'blob')",
    )
    .pluck()
    .get();
  return found === 1;
}
