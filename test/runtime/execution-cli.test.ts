import { loadSecretKey } from "../../src/store/secret-key.js";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import type { Condition } from "../../src/domain/condition.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import { createActionStore } from "../../src/store/action-store.js";
import { ensureDataDirectory } from "../../src/store/data-directory.js";
import { openDatabase, type Db } from "../../src/store/database.js";
import { openExecutionSnapshot } from "../../src/store/execution-snapshot-loader.js";
import { createExternalChanges } from "../../src/store/external-changes.js";
import { createInstanceStore } from "../../src/store/instance-store.js";
import { createExecutionIndex } from "../../src/runtime/execution-index.js";

const run = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../src/cli/run.js",
);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [run, "execution", ...args],
      // A default data directory that surely has no database, so that a
      // ./data of the developer's never leaks into a test.
      {
        timeout: 10_000,
        env: { ...process.env, ACTIONSD_DATA: "/nonexistent/actionsd-data" },
      },
      (error, stdout, stderr) => {
        const code =
          error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const blocking: Condition = {
  type: "request",
  scope: "service",
  value: "zitadel.action.v3alpha.ActionService",
};
const blockingJson = JSON.stringify({
  request: { service: "zitadel.action.v3alpha.ActionService" },
});
const method = "/zitadel.action.v3alpha.ActionService/DeleteExecution";

describe("actionsd execution", { timeout: 120_000 }, () => {
  let dir: string;
  let db: Db;
  let secretKey: Uint8Array;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "actionsd-exec-cli-"));
    const paths = ensureDataDirectory(dir);
    // As the server does: the key lives in the data directory, where the
    // command finds it too.
    secretKey = loadSecretKey(paths.secretKey);
    db = openDatabase({ path: paths.database });
    createInstanceStore(db).add({
      id: "inst1",
      name: "default",
      domains: ["localhost"],
      createdAt: new Date(),
    });
    const store = createActionStore({ db, secretKey, ids: createIdGenerator() });
    const scope = { instanceId: "inst1", creator: "test" };
    const { id } = store.createTarget(scope, {
      name: "gate",
      type: "webhook",
      interruptOnError: true,
      timeout: { seconds: 1, nanos: 0 },
      endpoint: "http://127.0.0.1:9/gate",
    });
    store.setExecution(scope, blocking, [{ targetId: id }]);
    store.setExecution(scope, { type: "function", scope: "function", value: "preuserinfo" }, [
      { targetId: id },
    ]);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the executions of the only instance", async () => {
    const out = await cli("list", "--data", dir);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.id).sort(),
      ["function/preuserinfo", "request/zitadel.action.v3alpha.ActionService"],
    );
  });

  it("lists only the given condition", async () => {
    const out = await cli("list", "--data", dir, "--condition", blockingJson);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.condition), [JSON.parse(blockingJson)]);
  });

  for (const [name, args, code] of [
    ["no action", ["--data", "x"], 2],
    ["a default data directory without a database", ["list"], 1],
    ["delete without condition", ["delete", "--data", "x"], 2],
    ["a bad condition", ["delete", "--data", "x", "--condition", '{"request":{}}'], 2],
    ["a missing database", ["list", "--data", "/nonexistent/actionsd"], 1],
  ] as const) {
    it(`exits ${code} for ${name}`, async () => {
      assert.equal((await cli(...args)).code, code);
    });
  }

  it("exits 1 for an unknown instance", async () => {
    const out = await cli("list", "--data", dir, "--instance", "nope");
    assert.equal(out.code, 1);
  });

  it("deletes an execution and a running index sees it on the next call", async () => {
    const index = createExecutionIndex({
      load: (instanceId) => openExecutionSnapshot(db, secretKey, instanceId),
      externalChanges: createExternalChanges(db),
    });
    assert.equal(index.resolve("inst1", "request", method).length, 1);

    const out = await cli("delete", "--data", dir, "--instance", "inst1", "--condition", blockingJson);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(index.resolve("inst1", "request", method).length, 0);
    assert.equal(index.resolveFunction("inst1", "preuserinfo").length, 1);

    const again = await cli("delete", "--data", dir, "--condition", blockingJson);
    assert.equal(again.code, 1);
  });
});
