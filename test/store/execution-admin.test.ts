import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { openDatabase } from "../../src/store/database.js";
import { createActionStore } from "../../src/store/action-store.js";
import {
  deleteStoredExecution,
  listStoredExecutions,
} from "../../src/store/execution-admin.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import { DomainError } from "../../src/errors/domain-error.js";

describe("listStoredExecutions() and deleteStoredExecution()", () => {
  test("list with condition JSON and delete with a cli event", () => {
    const db = openDatabase({ path: ":memory:" });
    const store = createActionStore({
      db,
      secretKey: new Uint8Array(randomBytes(32)),
      ids: createIdGenerator(),
    });
    const scope = { instanceId: "i1", creator: "u" };
    const { id } = store.createTarget(scope, {
      name: "t",
      type: "webhook",
      interruptOnError: false,
      timeout: { seconds: 1, nanos: 0 },
      endpoint: "https://example.com",
    });
    store.setExecution(scope, { type: "event", scope: "group", value: "user" }, [
      { targetId: id },
    ]);
    const listed = listStoredExecutions(db, "i1");
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0]!.condition, { event: { group: "user" } });
    assert.deepEqual(listed[0]!.targets, [{ target: id }]);
    assert.equal(listed[0]!.id, "event/user.*");
    assert.deepEqual(listStoredExecutions(db, "i2"), []);

    const details = deleteStoredExecution(db, "i1", {
      type: "event",
      scope: "group",
      value: "user",
    });
    assert.equal(details.sequence, 2);
    const last = db
      .prepare("SELECT event_type, creator FROM events ORDER BY position DESC LIMIT 1")
      .get();
    assert.deepEqual(last, { event_type: "execution.removed", creator: "cli" });
    assert.throws(
      () => deleteStoredExecution(db, "i1", { type: "event", scope: "group", value: "user" }),
      (error: unknown) =>
        error instanceof DomainError && error.id === "COMMAND-suq2upd3rt",
    );
  });
});
