import { parseArgs } from "node:util";
import { findInstance } from "../auth/instance-reference.js";
import { rotateSigningKey } from "../auth/signing-keys.js";
import { createInstanceStore } from "../store/instance-store.js";
import { createKeyStore } from "../store/key-store.js";
import {
  openDataDirectory,
  openSecretKey,
  resolveDataDir,
} from "./open-data-directory.js";

const usage =
  "usage: actionsd keys rotate|list [--data DIR] [--instance ID|DOMAIN] " +
  "[--alg ES256|EdDSA]";

/**
 * `actionsd keys rotate` makes a new token signing key for the instance
 * (default: the default instance, alg ES256) and prints its kid; tokens
 * signed by the old key stay valid until they expire. `actionsd keys list`
 * prints kid, alg, created and retired time, tab-separated, newest first.
 * A running server uses the new key's tokens on its next call. Only
 * `rotate` needs the data directory's secret key, which seals the new key.
 * Exit 2 on bad usage, 1 when the data directory, instance or (for rotate)
 * secret key is missing.
 */
export async function runKeys(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  let values;
  try {
    if (subcommand !== "rotate" && subcommand !== "list") {
      throw new TypeError(`unknown subcommand "${subcommand ?? ""}"`);
    }
    ({ values } = parseArgs({
      args: rest,
      options: {
        data: { type: "string" },
        instance: { type: "string" },
        alg: { type: "string", default: "ES256" },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.alg !== "ES256" && values.alg !== "EdDSA") {
      throw new TypeError(`unsupported --alg "${values.alg}"`);
    }
  } catch (error) {
    const message = (error as Error).message;
    process.stderr.write(`actionsd keys: ${message}; ${usage}\n`);
    return 2;
  }

  const dataDir = resolveDataDir(values.data);
  const opened = openDataDirectory(dataDir);
  if ("error" in opened) {
    return fail(opened.error);
  }
  const { db } = opened;
  try {
    const instance = findInstance(createInstanceStore(db), values.instance);
    if (instance === undefined) {
      return fail("instance not found");
    }
    if (subcommand === "list") {
      for (const key of createKeyStore(db).list(instance.id)) {
        const retired = key.retiredAt?.toISOString() ?? "active";
        process.stdout.write(
          `${key.kid}\t${key.alg}\t${key.createdAt.toISOString()}\t${retired}\n`,
        );
      }
      return 0;
    }
    const unlocked = openSecretKey(dataDir, db);
    if ("error" in unlocked) {
      return fail(unlocked.error);
    }
    const key = await rotateSigningKey({
      db,
      secretKey: unlocked.secretKey,
      instanceId: instance.id,
      clock: () => new Date(),
      alg: values.alg,
    });
    process.stdout.write(`${key.kid}\n`);
    return 0;
  } finally {
    db.close();
  }
}

function fail(message: string): number {
  process.stderr.write(`actionsd keys: ${message}\n`);
  return 1;
}
