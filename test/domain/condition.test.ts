import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  conditionFromJson,
  conditionOfExecutionId,
  conditionToJson,
  executionIdOf,
  type Condition,
} from "../../src/domain/condition.js";

const rows: [string, Condition, string][] = [
  ["request method", { type: "request", scope: "method", value: "/pkg.Svc/M" }, "request/pkg.Svc/M"],
  ["request service", { type: "request", scope: "service", value: "pkg.Svc" }, "request/pkg.Svc"],
  ["request all", { type: "request", scope: "all", value: "" }, "request"],
  ["response method", { type: "response", scope: "method", value: "/pkg.Svc/M" }, "response/pkg.Svc/M"],
  ["response service", { type: "response", scope: "service", value: "pkg.Svc" }, "response/pkg.Svc"],
  ["response all", { type: "response", scope: "all", value: "" }, "response"],
  ["function", { type: "function", scope: "function", value: "preuserinfo" }, "function/preuserinfo"],
  ["event", { type: "event", scope: "event", value: "user.added" }, "event/user.added"],
  ["event group", { type: "event", scope: "group", value: "user" }, "event/user.*"],
  ["event all", { type: "event", scope: "all", value: "" }, "event"],
];

describe("executionIdOf()", () => {
  for (const [name, condition, id] of rows) {
    test(`maps ${name} to ${id}`, () => {
      assert.equal(executionIdOf(condition), id);
    });
  }

  test("adds no second .* to a group that ends so", () => {
    assert.equal(
      executionIdOf({ type: "event", scope: "group", value: "user.*" }),
      "event/user.*",
    );
  });
});

describe("conditionOfExecutionId()", () => {
  for (const [name, condition, id] of rows) {
    test(`maps ${id} back to ${name}`, () => {
      assert.deepEqual(conditionOfExecutionId(id), condition);
    });
  }

  for (const id of ["", "function", "nonsense/x"]) {
    test(`rejects ${JSON.stringify(id)}`, () => {
      assert.throws(() => conditionOfExecutionId(id), TypeError);
    });
  }
});

describe("conditionToJson() and conditionFromJson()", () => {
  for (const [name, condition] of rows) {
    test(`round-trips ${name}`, () => {
      const json = JSON.parse(JSON.stringify(conditionToJson(condition)));
      assert.deepEqual(conditionFromJson(json), condition);
    });
  }

  test("spells conditions as protobuf JSON", () => {
    assert.deepEqual(conditionToJson(rows[0]![1]), {
      request: { method: "/pkg.Svc/M" },
    });
    assert.deepEqual(conditionToJson(rows[6]![1]), { function: "preuserinfo" });
    assert.deepEqual(conditionToJson(rows[9]![1]), { event: { all: true } });
  });

  const invalid: unknown[] = [
    null,
    "request",
    {},
    { request: {} },
    { request: { all: false } },
    { request: { group: "x" } },
    { event: { method: "/a/b" } },
    { function: "" },
    { request: { method: "" } },
    { request: { method: "/a/b" }, response: { all: true } },
    { other: { all: true } },
  ];
  for (const json of invalid) {
    test(`refuses ${JSON.stringify(json)}`, () => {
      assert.equal(conditionFromJson(json), undefined);
    });
  }
});
