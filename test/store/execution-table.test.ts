import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Execution } from "../../src/domain/execution.js";
import { openDatabase, type Db } from "../../src/store/database.js";
import { createExecutionTable } from "../../src/store/execution-table.js";

const page = { offset: 0, limit: 100, asc: true };

// An event execution that includes another one, so no target row is
// needed for the entry's foreign key.
function execution(name: string): Execution {
  return {
    id: `event/${name}`,
    condition: { type: "event", scope: "event", value: name },
    targets: [
      {
        includeId: "event/other",
        include: { type: "event", scope: "event", value: "other" },
      },
    ],
    createdAt: 1,
    changedAt: 1,
    sequence: 1,
  };
}

function twoConnections(t: { after(fn: () => void): void }): [Db, Db] {
  const dir = mkdtempSync(join(tmpdir(), "execution-table-"));
  const path = join(dir, "actionsd.db");
  const a = openDatabase({ path });
  const b = openDatabase({ path });
  t.after(() => {
    a.close();
    b.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return [a, b];
}

describe("createExecutionTable() list totals", () => {
  test("follow puts and removes of this connection", async (t) => {
    const [db] = twoConnections(t);
    const table = createExecutionTable(db);
    table.put("i1", execution("a"));
    table.put("i1", execution("b"));
    await nextTurn();
    assert.equal(table.list("i1", [], page).total, 2);
    assert.equal(table.list("i1", [], page).total, 2);
    table.put("i1", execution("c"));
    assert.equal(table.list("i1", [], page).total, 3);
    table.remove("i1", "event/a");
    await nextTurn();
    assert.equal(table.list("i1", [], page).total, 2);
    // Another table object on the same connection sees the same writes.
    const other = createExecutionTable(db);
    assert.equal(other.list("i1", [], page).total, 2);
    other.put("i1", execution("d"));
    await nextTurn();
    assert.equal(table.list("i1", [], page).total, 3);
    assert.equal(table.list("i2", [], page).total, 0);
  });

  test("follow commits of another connection", async (t) => {
    const [a, b] = twoConnections(t);
    const tableA = createExecutionTable(a);
    const tableB = createExecutionTable(b);
    tableA.put("i1", execution("a"));
    await nextTurn();
    assert.equal(tableA.list("i1", [], page).total, 1);
    tableB.put("i1", execution("b"));
    assert.equal(tableA.list("i1", [], page).total, 2);
    tableB.remove("i1", "event/a");
    tableB.remove("i1", "event/b");
    assert.equal(tableA.list("i1", [], page).total, 0);
  });

  test("do not keep a count of a write that rolls back", async (t) => {
    const [db] = twoConnections(t);
    const table = createExecutionTable(db);
    table.put("i1", execution("a"));
    await nextTurn();
    assert.equal(table.list("i1", [], page).total, 1);
    const failing = db.transaction(() => {
      table.put("i1", execution("b"));
      assert.equal(table.list("i1", [], page).total, 2);
      throw new Error("roll back");
    });
    assert.throws(() => failing(), /roll back/);
    assert.equal(table.list("i1", [], page).total, 1);
    await nextTurn();
    assert.equal(table.list("i1", [], page).total, 1);
  });
});
