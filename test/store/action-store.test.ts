import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { openDatabase, type Db } from "../../src/store/database.js";
import {
  createActionStore,
  type ActionStore,
} from "../../src/store/action-store.js";
import type { StoredEvent } from "../../src/store/event-log.js";
import { createIdGenerator } from "../../src/domain/id-generator.js";
import { DomainError } from "../../src/errors/domain-error.js";
import type { Condition } from "../../src/domain/condition.js";
import type { TargetSettings } from "../../src/domain/target.js";

const scope = { instanceId: "i1", creator: "u1" };
const settings: TargetSettings = {
  name: "hook",
  type: "webhook",
  interruptOnError: false,
  timeout: { seconds: 5, nanos: 0 },
  endpoint: "https://example.com/hook",
};
const method: Condition = { type: "request", scope: "method", value: "/pkg.Svc/M" };
const service: Condition = { type: "request", scope: "service", value: "pkg.Svc" };

interface EventRow {
  position: number;
  instance_id: string;
  aggregate_type: string;
  aggregate_id: string;
  sequence: number;
  event_type: string;
  creator: string;
  payload: string;
}

function events(db: Db): EventRow[] {
  return db.prepare("SELECT * FROM events ORDER BY position").all() as EventRow[];
}

function errorId(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return error.id;
  }
}

describe("createActionStore()", () => {
  let db: Db;
  let store: ActionStore;
  let changes: string[];
  let committed: StoredEvent[];
  let failOnChange: boolean;

  beforeEach(() => {
    db = openDatabase({ path: ":memory:" });
    changes = [];
    committed = [];
    failOnChange = false;
    store = createActionStore({
      db,
      secretKey: new Uint8Array(randomBytes(32)),
      ids: createIdGenerator(),
      onChange: (instanceId) => {
        changes.push(instanceId);
        if (failOnChange) {
          throw new Error("index refused");
        }
      },
      onEvents: (written) => committed.push(...written),
    });
  });

  test("continues an execution's sequence after delete and re-set", () => {
    const { id } = store.createTarget(scope, settings);
    assert.equal(store.setExecution(scope, method, [{ targetId: id }]).sequence, 1);
    assert.equal(store.deleteExecution(scope, method).sequence, 2);
    assert.equal(store.setExecution(scope, method, [{ targetId: id }]).sequence, 3);
    const rows = events(db).filter((e) => e.aggregate_type === "execution");
    assert.deepEqual(
      rows.map((e) => [e.aggregate_id, e.sequence, e.event_type, e.creator]),
      [
        ["request/pkg.Svc/M", 1, "execution.set", "u1"],
        ["request/pkg.Svc/M", 2, "execution.removed", "u1"],
        ["request/pkg.Svc/M", 3, "execution.set", "u1"],
      ],
    );
    assert.equal(committed.length, 4);
  });

  test("writes nothing for the same list again and answers current details", () => {
    const { id } = store.createTarget(scope, settings);
    const first = store.setExecution(scope, method, [{ targetId: id }]);
    const before = events(db).length;
    const again = store.setExecution(scope, method, [{ targetId: id }]);
    assert.deepEqual(again, first);
    assert.equal(events(db).length, before);
  });

  test("counts target sequences on update, not on a no-op update", () => {
    const { id } = store.createTarget(scope, settings);
    assert.equal(store.updateTarget(scope, id, { name: "hook" }).details.sequence, 1);
    const changed = store.updateTarget(scope, id, { name: "other" });
    assert.equal(changed.details.sequence, 2);
    assert.equal(changed.signingKey, undefined);
    const rotated = store.updateTarget(scope, id, { rotateSigningKey: true });
    assert.equal(rotated.details.sequence, 3);
    assert.match(rotated.signingKey ?? "", /^whsec_/);
    assert.deepEqual(
      events(db).map((e) => e.event_type),
      ["target.added", "target.changed", "target.changed"],
    );
    // Signing keys never enter the event log.
    assert.ok(events(db).every((e) => !e.payload.includes("whsec_")));
  });

  test("a failing command writes nothing", () => {
    const { id } = store.createTarget(scope, settings);
    const before = events(db).length;
    failOnChange = true;
    assert.throws(() => store.setExecution(scope, method, [{ targetId: id }]), /refused/);
    assert.throws(() => store.deleteTarget(scope, id), /refused/);
    assert.throws(() => store.createTarget(scope, { ...settings, name: "b" }), /refused/);
    failOnChange = false;
    assert.equal(events(db).length, before);
    assert.equal(store.listExecutions("i1", [], { offset: 0, limit: 10, asc: true }).page.total, 0);
    assert.equal(store.getTarget("i1", id).name, "hook");
    assert.equal(store.listTargets("i1", [], "id", { offset: 0, limit: 10, asc: true }).page.total, 1);
  });

  test("a set with a missing target rolls back nothing-written", () => {
    const before = events(db).length;
    assert.equal(
      errorId(() => store.setExecution(scope, method, [{ targetId: "nope" }])),
      "COMMAND-17e8fq1ggk",
    );
    assert.equal(events(db).length, before);
  });

  test("DeleteTarget removes it everywhere and deletes emptied executions", () => {
    const a = store.createTarget(scope, settings).id;
    const b = store.createTarget(scope, { ...settings, name: "b" }).id;
    store.setExecution(scope, method, [{ targetId: a }]);
    store.setExecution(scope, service, [{ targetId: a }, { targetId: b }]);
    store.deleteTarget(scope, a);
    const listed = store.listExecutions("i1", [], { offset: 0, limit: 10, asc: true });
    assert.deepEqual(
      listed.page.executions.map((e) => [e.id, e.targets, e.sequence]),
      [["request/pkg.Svc", [{ targetId: b }], 2]],
    );
    assert.deepEqual(
      events(db).slice(-3).map((e) => [e.aggregate_id, e.event_type]),
      [
        ["request/pkg.Svc", "execution.set"],
        ["request/pkg.Svc/M", "execution.removed"],
        [a, "target.removed"],
      ],
    );
    assert.equal(errorId(() => store.deleteTarget(scope, a)), "COMMAND-k4s7ucu0ax");
  });

  test("includers keep running without a deleted execution", () => {
    const a = store.createTarget(scope, settings).id;
    store.setExecution(scope, service, [{ targetId: a }]);
    store.setExecution(scope, method, [
      { includeId: "request/pkg.Svc", include: service },
      { targetId: a },
    ]);
    store.deleteExecution(scope, service);
    assert.equal(errorId(() => store.deleteExecution(scope, service)), "COMMAND-suq2upd3rt");
    const left = store.listExecutions("i1", [], { offset: 0, limit: 10, asc: true });
    assert.deepEqual(left.page.executions.map((e) => e.id), ["request/pkg.Svc/M"]);
  });

  test("scopes everything by instance", () => {
    const other = { instanceId: "i2", creator: "u2" };
    const a = store.createTarget(scope, settings);
    const b = store.createTarget(other, settings);
    assert.equal(a.details.sequence, 1);
    assert.equal(b.details.sequence, 1);
    assert.equal(errorId(() => store.getTarget("i2", a.id)), "QUERY-hj5oaniyrz");
    assert.equal(
      errorId(() => store.setExecution(other, method, [{ targetId: a.id }])),
      "COMMAND-17e8fq1ggk",
    );
    store.setExecution(scope, method, [{ targetId: a.id }]);
    assert.equal(store.setExecution(other, method, [{ targetId: b.id }]).sequence, 1);
    assert.equal(errorId(() => store.deleteTarget(other, a.id)), "COMMAND-k4s7ucu0ax");
    assert.equal(store.listTargets("i2", [], "id", { offset: 0, limit: 10, asc: false }).page.total, 1);
    assert.deepEqual(new Set(changes), new Set(["i1", "i2"]));
  });

  test("refuses a taken name in the same instance only", () => {
    const { id } = store.createTarget(scope, settings);
    assert.equal(errorId(() => store.createTarget(scope, settings)), "V3-DKcYh");
    const other = store.createTarget(scope, { ...settings, name: "other" }).id;
    assert.equal(errorId(() => store.updateTarget(scope, other, { name: "hook" })), "V3-DKcYh");
    assert.equal(errorId(() => store.updateTarget(scope, "missing", { name: "x" })), "COMMAND-xj14f2cccn");
    assert.ok(id);
  });
});

describe("createActionStore() on a shared file", () => {
  test("answers Unavailable while another connection holds the lock", async (t) => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "core-store-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "actionsd.db");
    const holder = openDatabase({ path });
    const db = openDatabase({ path, busyTimeoutMs: 20 });
    t.after(() => {
      db.close();
      holder.close();
    });
    const store = createActionStore({
      db,
      secretKey: new Uint8Array(randomBytes(32)),
      ids: createIdGenerator(),
    });
    holder.exec("BEGIN IMMEDIATE");
    assert.throws(
      () => store.createTarget(scope, settings),
      (error: unknown) =>
        error instanceof DomainError && error.kind === "unavailable",
    );
    holder.exec("ROLLBACK");
    assert.equal(store.createTarget(scope, settings).details.sequence, 1);
  });
});
