import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { openDatabase } from "../../src/store/database.js";
import { createActionStore } from "../../src/store/action-store.js";
import { openExecutionSnapshot } from "../../src/store/execution-snapshot-loader.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import type { Condition } from "../../src/domain/condition.js";

describe("openExecutionSnapshot()", () => {
  test("answers ordered entries and targets with plain keys", () => {
    const db = openDatabase({ path: ":memory:" });
    const secretKey = new Uint8Array(randomBytes(32));
    const store = createActionStore({ db, secretKey, ids: createIdGenerator() });
    const scope = { instanceId: "i1", creator: "u" };
    const created = store.createTarget(scope, {
      name: "call",
      type: "call",
      interruptOnError: true,
      timeout: { seconds: 1, nanos: 500_000_000 },
      endpoint: "http://127.0.0.1:1/x",
    });
    const service: Condition = { type: "request", scope: "service", value: "pkg.Svc" };
    store.setExecution(scope, service, [{ targetId: created.id }]);
    store.setExecution(scope, { type: "request", scope: "all", value: "" }, [
      { includeId: "request/pkg.Svc", include: service },
      { targetId: created.id },
    ]);
    store.createTarget({ instanceId: "i2", creator: "u" }, {
      name: "call",
      type: "async",
      interruptOnError: false,
      timeout: { seconds: 1, nanos: 0 },
      endpoint: "http://127.0.0.1:1/y",
    });

    const snapshot = openExecutionSnapshot(db, secretKey, "i1");
    assert.deepEqual(snapshot.executions.get("request"), [
      { includeId: "request/pkg.Svc" },
      { targetId: created.id },
    ]);
    assert.deepEqual(snapshot.executions.get("request/pkg.Svc"), [
      { targetId: created.id },
    ]);
    assert.equal(snapshot.executions.has("request/pkg.Other"), false);
    assert.equal(openExecutionSnapshot(db, secretKey, "i2").executions.has("request"), false);
    assert.deepEqual(snapshot.targets.get(created.id), {
      id: created.id,
      name: "call",
      type: "call",
      interruptOnError: true,
      timeoutMs: 1500,
      endpoint: "http://127.0.0.1:1/x",
      signingKey: created.signingKey,
    });
    assert.throws(() =>
      openExecutionSnapshot(db, new Uint8Array(32), "i1").targets.get(created.id),
    );
  });

  function fixture() {
    const db = openDatabase({ path: ":memory:" });
    const secretKey = new Uint8Array(randomBytes(32));
    const store = createActionStore({ db, secretKey, ids: createIdGenerator() });
    const scope = { instanceId: "i1", creator: "u" };
    const created = store.createTarget(scope, {
      name: "hook",
      type: "webhook",
      interruptOnError: false,
      timeout: { seconds: 2, nanos: 0 },
      endpoint: "http://127.0.0.1:1/hook",
    });
    const service: Condition = { type: "request", scope: "service", value: "pkg.Svc" };
    store.setExecution(scope, service, [{ targetId: created.id }]);
    return { db, secretKey, store, scope, created, service };
  }

  test("answers nothing for a target of another instance", () => {
    const { db, secretKey, created } = fixture();
    assert.equal(openExecutionSnapshot(db, secretKey, "i2").targets.has(created.id), false);
    assert.equal(openExecutionSnapshot(db, secretKey, "i1").targets.get("missing"), undefined);
  });

  test("remembers what it read, so a change needs a new snapshot", () => {
    const { db, secretKey, store, scope, created } = fixture();
    const before = openExecutionSnapshot(db, secretKey, "i1");
    assert.equal(before.executions.has("request"), false);
    store.setExecution(scope, { type: "request", scope: "all", value: "" }, [
      { targetId: created.id },
    ]);
    assert.equal(before.executions.has("request"), false);
    const after = openExecutionSnapshot(db, secretKey, "i1");
    assert.deepEqual(after.executions.get("request"), [{ targetId: created.id }]);
  });

  test("reads no target until asked, so a wrong key fails only then", () => {
    const { db, created } = fixture();
    const snapshot = openExecutionSnapshot(db, new Uint8Array(32), "i1");
    assert.ok(snapshot.executions.has("request/pkg.Svc"));
    assert.throws(() => snapshot.targets.get(created.id));
  });
});
