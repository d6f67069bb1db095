import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  ExecutionEntry,
  ExecutionSnapshot,
  RuntimeTarget,
} from "../../src/domain/execution-snapshot.js";
import { createExecutionIndex } from "../../src/runtime/execution-index.js";
import { runtimeTarget } from "./runtime-target.js";

const method = "/pkg.Svc/M";

function snapshotOf(
  executions: Record<string, ExecutionEntry[]>,
  targets: RuntimeTarget[],
): ExecutionSnapshot {
  return {
    executions: new Map(Object.entries(executions)),
    targets: new Map(targets.map((t) => [t.id, t])),
  };
}

describe("createExecutionIndex()", () => {
  const [a, b, c, d] = ["a", "b", "c", "d"].map((name) =>
    runtimeTarget(`http://127.0.0.1/${name}`),
  ) as [RuntimeTarget, RuntimeTarget, RuntimeTarget, RuntimeTarget];
  const targets = [a, b, c, d];

  it("answers the method's execution before the service's and all", () => {
    const index = createExecutionIndex({
      load: () =>
        snapshotOf(
          {
            "request/pkg.Svc/M": [{ targetId: a.id }],
            "request/pkg.Svc": [{ targetId: b.id }],
            request: [{ targetId: c.id }],
          },
          targets,
        ),
    });
    assert.deepEqual(index.resolve("i", "request", method), [a]);
    assert.deepEqual(index.resolve("i", "request", "/pkg.Svc/N"), [b]);
    assert.deepEqual(index.resolve("i", "request", "/other.Svc/M"), [c]);
    assert.deepEqual(index.resolve("i", "response", method), []);
  });

  it("expands includes in place and skips missing parts", () => {
    const index = createExecutionIndex({
      load: () =>
        snapshotOf(
          {
            "response/pkg.Svc/M": [
              { targetId: a.id },
              { includeId: "function/f" },
              { targetId: "gone" },
              { includeId: "event/missing" },
              { targetId: d.id },
            ],
            "function/f": [{ targetId: b.id }, { includeId: "event/x.*" }],
            "event/x.*": [{ targetId: c.id }],
          },
          targets,
        ),
    });
    assert.deepEqual(index.resolve("i", "response", method), [a, b, c, d]);
  });

  it("does not hang on an include cycle", () => {
    const index = createExecutionIndex({
      load: () =>
        snapshotOf(
          {
            "function/x": [{ targetId: a.id }, { includeId: "function/y" }],
            "function/y": [{ targetId: b.id }, { includeId: "function/x" }],
          },
          targets,
        ),
    });
    assert.deepEqual(index.resolveFunction("i", "x"), [a, b]);
  });

  it("answers an event's execution, else the longest group, else all", () => {
    const index = createExecutionIndex({
      load: () =>
        snapshotOf(
          {
            "event/user.human.added": [{ targetId: a.id }],
            "event/user.human.*": [{ targetId: b.id }],
            "event/user.*": [{ targetId: c.id }],
            event: [{ targetId: d.id }],
          },
          targets,
        ),
    });
    assert.deepEqual(index.resolveEvent("i", "user.human.added"), [a]);
    assert.deepEqual(index.resolveEvent("i", "user.human.changed"), [b]);
    assert.deepEqual(index.resolveEvent("i", "user.machine.added"), [c]);
    assert.deepEqual(index.resolveEvent("i", "target.added"), [d]);
  });

  it("loads each instance once and again after onChange", () => {
    const loads: string[] = [];
    let executions: Record<string, ExecutionEntry[]> = {};
    const index = createExecutionIndex({
      load: (instanceId) => {
        loads.push(instanceId);
        return snapshotOf(executions, targets);
      },
    });
    assert.deepEqual(index.resolve("i1", "request", method), []);
    assert.deepEqual(index.resolve("i1", "request", method), []);
    assert.deepEqual(index.resolve("i2", "request", method), []);
    assert.deepEqual(loads, ["i1", "i2"]);

    executions = { request: [{ targetId: a.id }] };
    index.onChange("i1");
    assert.deepEqual(index.resolve("i1", "request", method), [a]);
    assert.deepEqual(index.resolve("i2", "request", method), []);
    assert.deepEqual(loads, ["i1", "i2", "i1"]);
  });

  it("reloads every instance when another process committed", () => {
    let version = 1;
    let loads = 0;
    let executions: Record<string, ExecutionEntry[]> = {
      request: [{ targetId: a.id }],
    };
    const index = createExecutionIndex({
      load: () => {
        loads += 1;
        return snapshotOf(executions, targets);
      },
      externalChanges: { version: () => version },
    });
    assert.deepEqual(index.resolve("i", "request", method), [a]);
    executions = {};
    assert.deepEqual(index.resolve("i", "request", method), [a]);
    version = 2;
    assert.deepEqual(index.resolve("i", "request", method), []);
    assert.equal(loads, 2);
  });

  it("answers the same list object for repeated lookups", () => {
    const index = createExecutionIndex({
      load: () => snapshotOf({ request: [{ targetId: a.id }] }, targets),
    });
    assert.equal(
      index.resolve("i", "request", method),
      index.resolve("i", "request", method),
    );
  });
});
