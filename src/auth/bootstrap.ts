import { rmSync, writeFileSync } from "node:fs";
import type { Db } from "../store/database.js";
import { dataPaths } from "../store/data-directory.js";
import { createInstanceStore } from "../store/instance-store.js";
import {
  createSealingKeyStore,
  sealPlainPrivateKeys,
} from "../store/key-store.js";
import type { IdGenerator } from "../domain/id-generator.js";
import { normalizeDomain } from "./request-host.js";
import { generateTokenKey } from "./signing-keys.js";
import { signToken } from "./token-minter.js";
import { adminTokenLifetimeMs } from "./token-lifetime.js";

/** The hosts the default instance always claims. */
export const defaultDomains: readonly string[] = [
  "localhost",
  "127.0.0.1",
  "::1",
];

/** Options of `ensureDefaultInstance`. */
export interface EnsureDefaultInstanceOptions {
  readonly db: Db;
  readonly dataDir: string;
  /** The data directory's secret key (32 bytes); seals the signing keys. */
  readonly secretKey: Uint8Array;
  /** Extra domains (`--domain`, `ACTIONSD_DOMAIN`) for the default instance. */
  readonly domains: readonly string[];
  readonly clock: () => Date;
  readonly ids: IdGenerator;
  /** A pino logger fits; only the file path and counts are logged. */
  readonly logger?: { info(fields: object, message: string): void };
}

/** What `ensureDefaultInstance` found or made. */
export interface DefaultInstance {
  readonly instanceId: string;
  readonly adminTokenPath: string;
  /** True at first start, when the instance and admin token were made. */
  readonly created: boolean;
}

/**
 * Runs at every server start. On a data directory without instances it
 * creates the default instance claiming localhost, 127.0.0.1, ::1 and the
 * given domains, its signing key, and an IAM_OWNER token valid for ten
 * years in `<data>/admin.token` (mode 0600); the log names the file, never
 * the token. Later starts add newly given domains to the default instance
 * (the oldest one). Every start first seals the private halves of signing
 * keys that a version before sealing stored plain (`sealPlainPrivateKeys`).
 * The data directory must exist (`ensureDataDirectory`).
 * Throws AlreadyExists when another instance claims a given domain,
 * TypeError for a malformed domain.
 */
export async function ensureDefaultInstance(
  options: EnsureDefaultInstanceOptions,
): Promise<DefaultInstance> {
  const adminTokenPath = dataPaths(options.dataDir).adminToken;
  const sealed = sealPlainPrivateKeys(options.db, options.secretKey);
  if (sealed > 0) {
    options.logger?.info(
      { sealed_keys: sealed },
      "sealed the token signing keys an earlier version stored plain",
    );
  }
  const extra = options.domains.map(normalizeDomain);
  const instances = createInstanceStore(options.db);
  const existing = instances.list()[0];
  if (existing !== undefined) {
    for (const domain of extra) {
      instances.addDomain(existing.id, domain);
    }
    return { instanceId: existing.id, adminTokenPath, created: false };
  }

  const now = options.clock();
  const id = options.ids();
  const key = await generateTokenKey(id, now);
  const domains = [...new Set([...defaultDomains, ...extra])];
  const signed = await signToken(key, domains[0]!, {
    roles: ["IAM_OWNER"],
    subject: "admin",
    lifetimeMs: adminTokenLifetimeMs,
    clock: options.clock,
  });
  // The file is written before the instance is committed: a crash in
  // between leaves no instance, so the next start makes both again,
  // rather than an instance whose admin token was never written.
  // The mode applies only to a new file, so a file left behind by an
  // earlier data directory goes first rather than keep its mode.
  rmSync(adminTokenPath, { force: true });
  writeFileSync(adminTokenPath, signed.token, { mode: 0o600, flag: "wx" });
  const keys = createSealingKeyStore(options.db, options.secretKey);
  options.db.transaction(() => {
    instances.add({ id, name: "default", domains, createdAt: now });
    keys.add({
      ...key,
      tokensValidUntil: signed.expiresAtMs,
    });
  })();
  options.logger?.info(
    { instance_id: id, admin_token_path: adminTokenPath },
    "created the default instance and its admin token",
  );
  return { instanceId: id, adminTokenPath, created: true };
}
