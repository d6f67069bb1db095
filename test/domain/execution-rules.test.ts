import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DomainError } from "../../src/errors/domain-error.js";
import {
  checkConditionServed,
  sameExecutionTargets,
  validateCondition,
  validateExecutionTargets,
  type ExecutionTargetInput,
} from "../../src/domain/execution-rules.js";
import type { Condition } from "../../src/domain/condition.js";

function failure(fn: () => unknown): [string, string] | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return [error.kind, error.id];
  }
}

const served = {
  methods: new Set(["/pkg.Svc/M"]),
  services: new Set(["pkg.Svc"]),
  functions: new Set(["preuserinfo"]),
};

describe("checkConditionServed()", () => {
  const rows: [string, Condition, string | undefined][] = [
    ["served method", { type: "request", scope: "method", value: "/pkg.Svc/M" }, undefined],
    ["unknown method", { type: "request", scope: "method", value: "/pkg.Svc/X" }, "COMMAND-vysplsevt8"],
    ["served service", { type: "response", scope: "service", value: "pkg.Svc" }, undefined],
    ["unknown service", { type: "response", scope: "service", value: "pkg.Other" }, "COMMAND-qu6dfhiioq"],
    ["known function", { type: "function", scope: "function", value: "preuserinfo" }, undefined],
    ["unknown function", { type: "function", scope: "function", value: "nope" }, "COMMAND-cdy39t0ksr"],
    ["any event", { type: "event", scope: "event", value: "whatever.happened" }, undefined],
    ["all requests", { type: "request", scope: "all", value: "" }, undefined],
  ];
  for (const [name, condition, expected] of rows) {
    test(`${name}: ${expected ?? "passes"}`, () => {
      const result = failure(() => checkConditionServed(condition, served));
      assert.equal(result?.[1], expected);
      if (expected !== undefined) {
        assert.equal(result?.[0], "notFound");
      }
    });
  }
});

describe("validateCondition()", () => {
  test("refuses an empty value with COMMAND-3tkej630e6", () => {
    assert.deepEqual(
      failure(() => validateCondition({ type: "event", scope: "event", value: "" })),
      ["invalidArgument", "COMMAND-3tkej630e6"],
    );
  });
  test("refuses a value over 1000 characters", () => {
    assert.equal(
      failure(() =>
        validateCondition({ type: "event", scope: "group", value: "g".repeat(1001) }),
      )?.[0],
      "invalidArgument",
    );
  });
});

describe("validateExecutionTargets()", () => {
  const include: Condition = { type: "request", scope: "service", value: "pkg.Svc" };
  const rows: [string, ExecutionTargetInput[], [string, string] | undefined][] = [
    ["empty list", [], ["invalidArgument", "COMMAND-56bteot2uj"]],
    ["empty entry", [{}], ["invalidArgument", "ACTION-p1z7ek2sud"]],
    ["empty target id", [{ targetId: "" }], ["invalidArgument", "ACTION-p1z7ek2sud"]],
    ["duplicate target", [{ targetId: "1" }, { targetId: "1" }], ["invalidArgument", "ACTION-v9g4hx0rcm"]],
    ["duplicate include", [{ include }, { include }], ["invalidArgument", "ACTION-j2n6wa8ubq"]],
    ["self include", [{ include: { type: "request", scope: "all", value: "" } }], ["failedPrecondition", "COMMAND-mo1cmjp5k7"]],
    ["target and include", [{ targetId: "1" }, { include }], undefined],
  ];
  for (const [name, inputs, expected] of rows) {
    test(`${name}: ${expected?.[1] ?? "valid"}`, () => {
      assert.deepEqual(
        failure(() => validateExecutionTargets("request", inputs)),
        expected,
      );
    });
  }

  test("names the duplicate in the message", () => {
    assert.throws(
      () => validateExecutionTargets("request", [{ targetId: "42" }, { targetId: "42" }]),
      /42/,
    );
  });

  test("resolves include ids, response includes to response", () => {
    const entries = validateExecutionTargets("request", [
      { include: { type: "response", scope: "method", value: "/pkg.Svc/M" } },
    ]);
    assert.deepEqual(entries, [
      {
        includeId: "response/pkg.Svc/M",
        include: { type: "response", scope: "method", value: "/pkg.Svc/M" },
      },
    ]);
  });
});

describe("sameExecutionTargets()", () => {
  test("compares order and kind", () => {
    assert.equal(sameExecutionTargets([{ targetId: "1" }, { targetId: "2" }], [{ targetId: "1" }, { targetId: "2" }]), true);
    assert.equal(sameExecutionTargets([{ targetId: "1" }, { targetId: "2" }], [{ targetId: "2" }, { targetId: "1" }]), false);
    assert.equal(sameExecutionTargets([{ targetId: "1" }], []), false);
  });
});
