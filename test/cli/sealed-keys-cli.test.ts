import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { signToken } from "../../src/auth/token-minter.js";
import { dataPaths, ensureDataDirectory } from "../../src/store/data-directory.js";
import { createHostClient } from "../support/host-requests.js";
import { startServer, type TestServer } from "../support/start-server.js";
import {
  privateJwkTypes,
  writeLegacyDatabase,
  type LegacyDatabase,
} from "../auth/support/legacy-database.js";
import { runCliCapturing, type CliRun } from "../support/cli-admin.js";

const run = runCliCapturing;

/** The key types in the data directory's database, read on a connection of its own. */
function typesIn(dir: string): string[] {
  const db = new Database(dataPaths(dir).database, { readonly: true });
  try {
    return [...privateJwkTypes(db).values()];
  } finally {
    db.close();
  }
}

/** A data directory as a version before sealing left it, secret.key included or not. */
async function legacyDataDirectory(withSecretKey: boolean): Promise<{
  dir: string;
  legacy: LegacyDatabase;
}> {
  const dir = mkdtempSync(join(tmpdir(), "sealed-keys-cli-"));
  const paths = ensureDataDirectory(dir);
  const legacy = await writeLegacyDatabase(paths.database, ["localhost", "127.0.0.1", "::1"]);
  if (withSecretKey) {
    writeFileSync(paths.secretKey, randomBytes(32), { mode: 0o600 });
  }
  return { dir, legacy };
}

function assertOneLineFailure(result: CliRun, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(result.stderr, pattern);
}

describe("a server and the CLI on a data directory written before sealing", {
  timeout: 60_000,
}, () => {
  let dir: string;
  let legacy: LegacyDatabase;
  let server: TestServer;
  let earlierToken: string;

  before(async () => {
    ({ dir, legacy } = await legacyDataDirectory(true));
    // A token the earlier version signed, before any sealing.
    earlierToken = (
      await signToken(legacy.keys[0], "localhost", {
        roles: ["IAM_OWNER"],
        clock: () => new Date(),
      })
    ).token;
    server = await startServer({ dataDir: dir });
  });

  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const listTargets = (token: string) =>
    createHostClient("localhost", server.port, "connect-json-1.1", token).listTargets({});

  it("seals the plain keys at start", () => {
    assert.deepEqual(typesIn(dir), ["blob", "blob"]);
    assert.match(server.output(), /"sealed_keys":2/);
  });

  it("still accepts tokens the plain key signed", async () => {
    await listTargets(earlierToken);
  });

  it("accepts a token the CLI mints with the sealed key", async () => {
    const minted = await run("token", "--data", dir, "--role", "IAM_OWNER_VIEWER");
    assert.equal(minted.code, 0, minted.stderr);
    const token = minted.stdout.trim();
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());
    assert.equal(header.kid, legacy.keys[0].kid);
    await listTargets(token);
  });
});

describe("the CLI on a data directory written before sealing", () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("seals the plain keys when it first signs", async () => {
    const { dir } = await legacyDataDirectory(true);
    dirs.push(dir);
    assert.deepEqual(typesIn(dir), ["text", "text"]);
    const listed = await run("keys", "list", "--data", dir);
    assert.equal(listed.code, 0, listed.stderr);
    // Listing needs no secret key and seals nothing.
    assert.deepEqual(typesIn(dir), ["text", "text"]);
    const minted = await run("token", "--data", dir, "--role", "IAM_OWNER");
    assert.equal(minted.code, 0, minted.stderr);
    assert.deepEqual(typesIn(dir), ["blob", "blob"]);
  });

  it("makes a secret key when the lost one sealed nothing yet", async () => {
    const { dir } = await legacyDataDirectory(false);
    dirs.push(dir);
    const minted = await run("token", "--data", dir, "--role", "IAM_OWNER");
    assert.equal(minted.code, 0, minted.stderr);
    assert.ok(existsSync(dataPaths(dir).secretKey));
    assert.deepEqual(typesIn(dir), ["blob", "blob"]);
  });
});

describe("the CLI on a data directory whose secret.key changed", () => {
  let dir: string;
  let activeKid: string;

  before(async () => {
    let legacy: LegacyDatabase;
    ({ dir, legacy } = await legacyDataDirectory(true));
    activeKid = legacy.keys[0].kid;
    const sealed = await run("token", "--data", dir, "--role", "IAM_OWNER");
    assert.equal(sealed.code, 0, sealed.stderr);
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to sign with a key that does not open, naming it", async () => {
    writeFileSync(dataPaths(dir).secretKey, randomBytes(32));
    const result = await run("token", "--data", dir, "--role", "IAM_OWNER");
    assertOneLineFailure(result, new RegExp(`signing key ${activeKid} does not open`));
  });

  it("refuses every command that needs a lost secret.key, and makes none", async () => {
    rmSync(dataPaths(dir).secretKey);
    const commands = [
      ["token", "--data", dir, "--role", "IAM_OWNER"],
      ["keys", "rotate", "--data", dir],
      ["instance", "add", "--data", dir, "--name", "b", "--domain", "b.example"],
    ];
    for (const args of commands) {
      const result = await run(...args);
      assertOneLineFailure(result, /secret\.key is missing/);
      assert.equal(existsSync(dataPaths(dir).secretKey), false, args.join(" "));
    }
    assert.deepEqual(typesIn(dir), ["blob", "blob"]);
  });

  it("still lists keys and instances without it", async () => {
    const keys = await run("keys", "list", "--data", dir);
    assert.equal(keys.code, 0, keys.stderr);
    assert.equal(keys.stdout.trim().split("\n").length, 2);
    const instances = await run("instance", "list", "--data", dir);
    assert.equal(instances.code, 0, instances.stderr);
    assert.match(instances.stdout, /^legacy-instance\t/);
  });
});
