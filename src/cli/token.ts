import { parseArgs } from "node:util";
import { mintToken } from "../auth/token-minter.js";
import { findInstance } from "../auth/instance-reference.js";
import { parseLifetime } from "../auth/token-lifetime.js";
import { DomainError } from "../errors/domain-error.js";
import { createInstanceStore } from "../store/instance-store.js";
import { SealedKeyError } from "../store/key-store.js";
import {
  openDataDirectory,
  openSecretKey,
  resolveDataDir,
} from "./open-data-directory.js";

const usage =
  "usage: actionsd token [--data DIR] [--instance ID|DOMAIN] --role R " +
  "[--role R2] [--subject S] [--ttl 1h] [--https]";

/**
 * `actionsd token`: mints a token signed by the instance's active key and
 * prints it on stdout, nothing else. Default instance: the default one;
 * subject "admin"; ttl 1h; issuer scheme http (`--https` for https).
 * Exit 2 on bad usage, 1 when the data directory, its secret key or the
 * instance is missing, or the key does not open under the secret key.
 */
export async function runToken(args: string[]): Promise<number> {
  let values;
  let lifetimeMs: number;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        data: { type: "string" },
        instance: { type: "string" },
        role: { type: "string", multiple: true },
        subject: { type: "string" },
        ttl: { type: "string", default: "1h" },
        https: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.role === undefined || values.role.length === 0) {
      throw new TypeError("at least one --role is required");
    }
    lifetimeMs = parseLifetime(values.ttl);
  } catch (error) {
    const message = (error as Error).message;
    process.stderr.write(`actionsd token: ${message}; ${usage}\n`);
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
    const unlocked = openSecretKey(dataDir, db);
    if ("error" in unlocked) {
      return fail(unlocked.error);
    }
    const token = await mintToken({
      db,
      secretKey: unlocked.secretKey,
      instanceId: instance.id,
      roles: values.role,
      subject: values.subject,
      lifetimeMs,
      clock: () => new Date(),
      scheme: values.https ? "https" : "http",
    });
    process.stdout.write(`${token}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SealedKeyError || error instanceof DomainError) {
      return fail(error.message);
    }
    throw error;
  } finally {
    db.close();
  }
}

function fail(message: string): number {
  process.stderr.write(`actionsd token: ${message}\n`);
  return 1;
}
