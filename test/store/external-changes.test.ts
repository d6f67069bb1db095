import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../../src/store/database.js";
import {
  createExternalChanges,
  createExternalChangesPerCall,
} from "../../src/store/external-changes.js";

const dir = mkdtempSync(join(tmpdir(), "actionsd-changes-"));
const path = join(dir, "a.db");
const server = openDatabase({ path });
const cli = openDatabase({ path });
after(() => {
  server.close();
  cli.close();
  rmSync(dir, { recursive: true, force: true });
});

let probes = 0;
function commit(db: Db): void {
  probes += 1;
  db.exec(`CREATE TABLE probe_${probes} (x)`);
}

describe("createExternalChanges()", () => {
  test("answers a new version after another connection commits", () => {
    const changes = createExternalChanges(server);
    const before = changes.version();
    commit(server);
    assert.equal(changes.version(), before, "own commits do not count");
    commit(cli);
    assert.notEqual(changes.version(), before);
  });
});

describe("createExternalChangesPerCall()", () => {
  test("keeps its answer until refreshed", () => {
    const changes = createExternalChangesPerCall(server);
    const before = changes.version();
    commit(cli);
    assert.equal(changes.version(), before);
    changes.refresh();
    const after = changes.version();
    assert.notEqual(after, before);
    commit(server);
    changes.refresh();
    assert.equal(changes.version(), after, "own commits do not count");
  });
});
