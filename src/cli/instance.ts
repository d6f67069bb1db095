import { parseArgs } from "node:util";
import { findInstance } from "../auth/instance-reference.js";
import { rolesClaim } from "../auth/permissions.js";
import { normalizeDomain } from "../auth/request-host.js";
import { generateTokenKey } from "../auth/signing-keys.js";
import { createIdGenerator } from "../domain/id-generator.js";
import { DomainError } from "../errors/domain-error.js";
import type { Db } from "../store/database.js";
import { createInstanceStore } from "../store/instance-store.js";
import { createIssuerStore } from "../store/issuer-store.js";
import { createSealingKeyStore } from "../store/key-store.js";
import {
  openDataDirectory,
  openSecretKey,
  resolveDataDir,
} from "./open-data-directory.js";

const usage = `usage: actionsd instance <subcommand> [--data DIR] ...
  add --name N --domain D [--domain D2] [--actions on|off]   prints the id
  list                                   id, name, actions, domains (TSV)
  set --instance ID|DOMAIN [--actions on|off] [--domain D]
  trust --instance ID|DOMAIN --issuer URL --audience A [--roles-claim C]
        [--introspection-endpoint URL --client-id ID]
        (client secret from ACTIONSD_CLIENT_SECRET)
  untrust --instance ID|DOMAIN --issuer URL`;

const options = {
  data: { type: "string" },
  name: { type: "string" },
  domain: { type: "string", multiple: true },
  instance: { type: "string" },
  actions: { type: "string" },
  issuer: { type: "string" },
  audience: { type: "string" },
  "roles-claim": { type: "string" },
  "introspection-endpoint": { type: "string" },
  "client-id": { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options }>>["values"];

/** Thrown for bad usage: one line on stderr, exit 2. */
class UsageError extends Error {}

/**
 * `actionsd instance add|list|set|trust|untrust`: manages instances in the
 * data directory. A running server on the same directory honours the
 * change on its next call. Only `add` needs the data directory's secret
 * key, which seals the new instance's signing key. Exit 2 on bad usage, 1
 * when the data directory, instance or (for add) secret key is missing or
 * a domain is taken.
 */
export async function runInstance(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === "help" || subcommand === "--help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  let values: Values;
  try {
    ({ values } = parseArgs({ args: rest, options, strict: true }));
    if (values.actions !== undefined && !/^(on|off)$/.test(values.actions)) {
      throw new UsageError("--actions must be on or off");
    }
  } catch (error) {
    return fail(2, (error as Error).message, true);
  }
  const dataDir = resolveDataDir(values.data);
  const opened = openDataDirectory(dataDir);
  if ("error" in opened) {
    return fail(1, opened.error);
  }
  const { db } = opened;
  try {
    switch (subcommand) {
      case "add":
        return await add(db, dataDir, values);
      case "list":
        return list(db);
      case "set":
        return set(db, values);
      case "trust":
        return trust(db, values);
      case "untrust":
        return untrust(db, values);
      default:
        throw new UsageError(`unknown subcommand "${subcommand ?? ""}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof TypeError) {
      return fail(2, error.message, true);
    }
    if (error instanceof DomainError) {
      return fail(1, error.message);
    }
    throw error;
  } finally {
    db.close();
  }
}

async function add(db: Db, dataDir: string, values: Values): Promise<number> {
  if (values.name === undefined || values.domain === undefined) {
    throw new UsageError("add needs --name and at least one --domain");
  }
  const domains = [...new Set(values.domain.map(normalizeDomain))];
  const unlocked = openSecretKey(dataDir, db);
  if ("error" in unlocked) {
    return fail(1, unlocked.error);
  }
  const keys = createSealingKeyStore(db, unlocked.secretKey);
  const now = new Date();
  const id = createIdGenerator()();
  const key = await generateTokenKey(id, now);
  db.transaction(() => {
    createInstanceStore(db).add({
      id,
      name: values.name!,
      domains,
      createdAt: now,
      actionsEnabled: values.actions !== "off",
    });
    keys.add(key);
  })();
  process.stdout.write(`${id}\n`);
  return 0;
}

function list(db: Db): number {
  for (const instance of createInstanceStore(db).list()) {
    const actions = instance.actionsEnabled ? "on" : "off";
    process.stdout.write(
      `${instance.id}\t${instance.name}\t${actions}\t${instance.domains.join(",")}\n`,
    );
  }
  return 0;
}

function set(db: Db, values: Values): number {
  const id = requireInstance(db, values);
  if (values.actions === undefined && values.domain === undefined) {
    throw new UsageError("set needs --actions on|off or --domain");
  }
  const store = createInstanceStore(db);
  db.transaction(() => {
    if (values.actions !== undefined) {
      store.setActionsEnabled(id, values.actions === "on");
    }
    for (const domain of values.domain ?? []) {
      store.addDomain(id, normalizeDomain(domain));
    }
  })();
  return 0;
}

function trust(db: Db, values: Values): number {
  const id = requireInstance(db, values);
  if (values.issuer === undefined || values.audience === undefined) {
    throw new UsageError("trust needs --issuer and --audience");
  }
  const issuerUrl = parseUrl(values.issuer, "--issuer");
  const endpoint = values["introspection-endpoint"];
  if (endpoint !== undefined) {
    parseUrl(endpoint, "--introspection-endpoint");
    if (values["client-id"] === undefined) {
      throw new UsageError("--introspection-endpoint needs --client-id");
    }
  }
  createIssuerStore(db).put({
    instanceId: id,
    issuer: issuerUrl,
    audience: values.audience,
    rolesClaim: values["roles-claim"] ?? rolesClaim,
    introspectionEndpoint: endpoint,
    clientId: values["client-id"],
    clientSecret:
      endpoint === undefined ? undefined : process.env.ACTIONSD_CLIENT_SECRET,
    createdAt: new Date(),
  });
  return 0;
}

function untrust(db: Db, values: Values): number {
  const id = requireInstance(db, values);
  if (values.issuer === undefined) {
    throw new UsageError("untrust needs --issuer");
  }
  if (!createIssuerStore(db).remove(id, values.issuer)) {
    return fail(1, "issuer not trusted by this instance");
  }
  return 0;
}

function requireInstance(db: Db, values: Values): string {
  if (values.instance === undefined) {
    throw new UsageError("--instance is required");
  }
  const instance = findInstance(createInstanceStore(db), values.instance);
  if (instance === undefined) {
    throw new DomainError(
      "notFound",
      "INST-0pl3x",
      "Errors.Instance.NotFound",
      "Instance not found",
    );
  }
  return instance.id;
}

function parseUrl(text: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} must be an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${flag} must be an http(s) URL`);
  }
  // Issuers are compared with `iss` verbatim, so keep the text as given.
  return text;
}

// Bad usage is one line on stderr; the subcommand list is shown only for
// an unknown or missing subcommand.
function fail(code: number, message: string, withUsage = false): number {
  const hint = withUsage ? " (actionsd instance help)" : "";
  process.stderr.write(`actionsd instance: ${message}${hint}\n`);
  return code;
}
