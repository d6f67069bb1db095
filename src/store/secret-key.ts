import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

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
