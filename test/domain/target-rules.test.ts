import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DomainError } from "../../src/errors/domain-error.js";
import {
  applyTargetChange,
  exceeds,
  validateNewTarget,
  validateTargetChange,
  type NewTargetInput,
} from "../../src/domain/target-rules.js";
import type { TargetSettings } from "../../src/domain/target.js";

const valid: NewTargetInput = {
  name: "hook",
  kind: { type: "webhook", interruptOnError: true },
  timeout: { seconds: 10, nanos: 0 },
  endpoint: "https://example.com/hook",
};

function failure(fn: () => unknown): [string, string] | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return [error.kind, error.id];
  }
}

describe("validateNewTarget()", () => {
  test("answers the settings of a valid target", () => {
    assert.deepEqual(validateNewTarget(valid), {
      name: "hook",
      type: "webhook",
      interruptOnError: true,
      timeout: { seconds: 10, nanos: 0 },
      endpoint: "https://example.com/hook",
    });
  });

  const rows: [string, Partial<NewTargetInput>, string | undefined][] = [
    ["empty name", { name: "" }, "COMMAND-ddqbm9us5p"],
    ["200 character name", { name: "n".repeat(200) }, undefined],
    ["201 character name", { name: "n".repeat(201) }, "ACTION-q7c2nxe4lw"],
    ["200 emoji name", { name: "😀".repeat(200) }, undefined],
    ["missing type", { kind: undefined }, "ACTION-h3u8pd1yte"],
    ["missing timeout", { timeout: undefined }, "COMMAND-39f35d8uri"],
    ["zero timeout", { timeout: { seconds: 0, nanos: 0 } }, "COMMAND-39f35d8uri"],
    ["negative timeout", { timeout: { seconds: -1, nanos: 0 } }, "COMMAND-39f35d8uri"],
    ["one nanosecond", { timeout: { seconds: 0, nanos: 1 } }, undefined],
    ["mixed signs", { timeout: { seconds: 1, nanos: -1 } }, "ACTION-f6y3lo9aeh"],
    ["nanos out of range", { timeout: { seconds: 0, nanos: 1e9 } }, "ACTION-f6y3lo9aeh"],
    ["empty endpoint", { endpoint: "" }, "COMMAND-1r2k6qo6wg"],
    ["relative endpoint", { endpoint: "/hook" }, "COMMAND-1r2k6qo6wg"],
    ["no scheme", { endpoint: "example.com/hook" }, "COMMAND-1r2k6qo6wg"],
    ["other scheme", { endpoint: "ftp://example.com/x" }, "COMMAND-1r2k6qo6wg"],
    ["blank around", { endpoint: " https://example.com/x" }, "COMMAND-1r2k6qo6wg"],
    ["http endpoint", { endpoint: "http://127.0.0.1:8080/x" }, undefined],
    ["1000 characters", { endpoint: `https://e.com/${"a".repeat(986)}` }, undefined],
    ["1001 characters", { endpoint: `https://e.com/${"a".repeat(987)}` }, "ACTION-w5k0bs7gjn"],
  ];
  for (const [name, patch, expected] of rows) {
    test(`${name}: ${expected ?? "valid"}`, () => {
      const result = failure(() => validateNewTarget({ ...valid, ...patch }));
      assert.equal(result?.[0], expected === undefined ? undefined : "invalidArgument");
      assert.equal(result?.[1], expected);
    });
  }

  test("refuses an endpoint the check denies, naming the check", () => {
    let seen: URL | undefined;
    const result = failure(() =>
      validateNewTarget(valid, (url) => {
        seen = url;
        return "loopback";
      }),
    );
    assert.deepEqual(result, ["invalidArgument", "ACTION-c8r1tq4mvx"]);
    assert.equal(seen?.hostname, "example.com");
  });
});

describe("validateTargetChange()", () => {
  const rows: [string, string, object, string | undefined][] = [
    ["nothing", "1", {}, undefined],
    ["empty id", "", {}, "ACTION-2m9vfr6kza"],
    ["long id", "1".repeat(201), {}, "ACTION-2m9vfr6kza"],
    ["empty name", "1", { name: "" }, "COMMAND-d1wx4lm0zr"],
    ["zero timeout", "1", { timeout: { seconds: 0, nanos: 0 } }, "COMMAND-08b39vdi57"],
    ["empty endpoint", "1", { endpoint: "" }, "COMMAND-jsbaera7b6"],
    ["long endpoint", "1", { endpoint: `https://e.com/${"a".repeat(987)}` }, "ACTION-w5k0bs7gjn"],
  ];
  for (const [name, id, change, expected] of rows) {
    test(`${name}: ${expected ?? "valid"}`, () => {
      assert.equal(failure(() => validateTargetChange(id, change))?.[1], expected);
    });
  }
});

describe("applyTargetChange()", () => {
  const current: TargetSettings = validateNewTarget(valid);

  test("answers undefined when nothing differs", () => {
    assert.equal(applyTargetChange(current, {}), undefined);
    assert.equal(
      applyTargetChange(current, {
        name: "hook",
        timeout: { seconds: 10, nanos: 0 },
        kind: { type: "webhook", interruptOnError: true },
      }),
      undefined,
    );
  });

  test("sets type and interrupt flag together", () => {
    assert.deepEqual(
      applyTargetChange(current, { kind: { type: "async", interruptOnError: false } }),
      { ...current, type: "async", interruptOnError: false },
    );
  });

  test("changes only given fields", () => {
    assert.deepEqual(applyTargetChange(current, { name: "other" }), {
      ...current,
      name: "other",
    });
  });
});

describe("exceeds()", () => {
  test("counts code points", () => {
    assert.equal(exceeds("😀".repeat(3), 3), false);
    assert.equal(exceeds("😀".repeat(4), 3), true);
  });
});
