import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { openDatabase } from "../../src/store/database.js";
import { createActionStore } from "../../src/store/action-store.js";
import { loadExecutionSnapshot } from "../../src/store/execution-snapshot-loader.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import type { Condition } from "../../src/domain/condition.js";

describe("loadExecutionSnapshot()", () => {
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

    const snapshot = loadExecutionSnapshot(db, secretKey, "i1");
    assert.deepEqual(snapshot.executions.get("request"), [
      { includeId: "request/pkg.Svc" },
      { targetId: created.id },
    ]);
    assert.deepEqual(snapshot.executions.get("request/pkg.Svc"), [
      { targetId: created.id },
    ]);
    assert.equal(snapshot.targets.size, 1);
    assert.deepEqual(snapshot.targets.get(created.id), {
      id: created.id,
      name: "call",
      type: "call",
      interruptOnError: true,
      timeoutMs: 1500,
      endpoint: "http://127.0.0.1:1/x",
      signingKey: created.signingKey,
    });
    assert.throws(() => loadExecutionSnapshot(db, new Uint8Array(32), "i1"));
  });
});
