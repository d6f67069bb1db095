import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { defaultDomains, ensureDefaultInstance } from "../../src/auth/bootstrap.js";
import { createInstanceDirectory } from "../../src/auth/instance-directory.js";
import { createTokenVerifier } from "../../src/auth/token-verifier.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import { DomainError } from "../../src/errors/domain-error.js";
import { openDatabase, type Db } from "../../src/store/database.js";
import { dataPaths, ensureDataDirectory } from "../../src/store/data-directory.js";
import { createInstanceStore } from "../../src/store/instance-store.js";
import { loadSecretKey } from "../../src/store/secret-key.js";

describe("ensureDefaultInstance()", () => {
  let dir: string;
  let db: Db;
  const lines: string[] = [];
  const logger = pino({}, { write: (line: string) => lines.push(line) });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "auth-bootstrap-"));
    db = openDatabase({ path: ensureDataDirectory(dir).database });
  });

  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (domains: string[]) =>
    ensureDefaultInstance({
      db,
      dataDir: dir,
      secretKey: loadSecretKey(dataPaths(dir).secretKey),
      domains,
      clock: () => new Date(),
      ids: createIdGenerator(),
      logger,
    });

  it("creates the instance and an owner token at first start", async () => {
    const result = await run(["Actions.Example.com"]);
    assert.equal(result.created, true);
    assert.equal(result.adminTokenPath, dataPaths(dir).adminToken);
    assert.equal(statSync(result.adminTokenPath).mode & 0o777, 0o600);

    const instance = createInstanceStore(db).findById(result.instanceId)!;
    assert.deepEqual(instance.domains, [...defaultDomains, "actions.example.com"]);
    assert.equal(instance.actionsEnabled, true);

    const token = readFileSync(result.adminTokenPath, "utf8");
    const entry = createInstanceDirectory(db).findByHost("::1")!;
    const verified = await createTokenVerifier().verify(entry.trust, token);
    assert.deepEqual(verified.roles, ["IAM_OWNER"]);
    // Long-lived: years, not hours.
    assert.ok(verified.cacheUntilMs > Date.now() + 5 * 365 * 86_400_000);

    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.includes(result.adminTokenPath));
    assert.ok(!lines[0]!.includes(token));
  });

  it("keeps the instance and token at later starts and adds new domains", async () => {
    const token = readFileSync(dataPaths(dir).adminToken, "utf8");
    const first = createInstanceStore(db).list()[0]!;
    const result = await run(["actions.example.com", "second.example.com"]);
    assert.equal(result.created, false);
    assert.equal(result.instanceId, first.id);
    assert.equal(readFileSync(dataPaths(dir).adminToken, "utf8"), token);
    assert.deepEqual(createInstanceStore(db).findById(first.id)!.domains, [
      ...defaultDomains,
      "actions.example.com",
      "second.example.com",
    ]);
  });

  it("refuses a domain another instance claims", async () => {
    createInstanceStore(db).add({
      id: "other",
      name: "other",
      domains: ["taken.example"],
      createdAt: new Date(),
    });
    await assert.rejects(run(["taken.example"]), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.kind, "alreadyExists");
      return true;
    });
  });
});
