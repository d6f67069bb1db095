import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database.js";
import { migrations } from "../../src/store/migrations.js";

describe("openDatabase()", () => {
  test("migrates to the newest version, in WAL mode", () => {
    const path = join(mkdtempSync(join(tmpdir(), "actionsd-db-")), "a.db");
    const db = openDatabase({ path });
    assert.equal(
      db.pragma("user_version", { simple: true }),
      migrations.at(-1)!.version,
    );
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    db.close();
  });

  test("keeps the file readable by the owner only", () => {
    const path = join(mkdtempSync(join(tmpdir(), "actionsd-db-")), "a.db");
    const db = openDatabase({ path });
    db.exec("CREATE TABLE probe (x)");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600);
    db.close();
  });

  test("opens again without migrating twice", () => {
    const path = join(mkdtempSync(join(tmpdir(), "actionsd-db-")), "a.db");
    openDatabase({ path }).close();
    const db = openDatabase({ path });
    assert.equal(
      db.pragma("user_version", { simple: true }),
      migrations.at(-1)!.version,
    );
    db.close();
  });
});
