import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseServeConfig } from "../../src/config.js";

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

describe("parseServeConfig() delivery settings", () => {
  it("defaults to the worker's schedule, 16 in flight and 7 days", () => {
    const config = parseServeConfig([], {});
    assert.equal(config.retrySchedule, undefined);
    assert.equal(config.deliveryConcurrency, 16);
    assert.equal(config.deliveryRetentionMs, 7 * day);
  });

  it("treats empty variables as unset", () => {
    const config = parseServeConfig([], {
      ACTIONSD_RETRY_SCHEDULE: "",
      ACTIONSD_DELIVERY_CONCURRENCY: "",
      ACTIONSD_DELIVERY_RETENTION: "",
    });
    assert.equal(config.retrySchedule, undefined);
    assert.equal(config.deliveryConcurrency, 16);
    assert.equal(config.deliveryRetentionMs, 7 * day);
  });

  it("reads the flags", () => {
    const config = parseServeConfig(
      [
        "--retry-schedule",
        "0,1s,5s,30s,2m,10m,1h,6h",
        "--delivery-concurrency",
        "4",
        "--delivery-retention",
        "36h",
      ],
      {},
    );
    assert.deepEqual(config.retrySchedule, [
      0,
      second,
      5 * second,
      30 * second,
      2 * minute,
      10 * minute,
      hour,
      6 * hour,
    ]);
    assert.ok(Object.isFrozen(config.retrySchedule));
    assert.equal(config.deliveryConcurrency, 4);
    assert.equal(config.deliveryRetentionMs, 36 * hour);
  });

  it("reads ACTIONSD_* variables and lets flags win", () => {
    const env = {
      ACTIONSD_RETRY_SCHEDULE: "0, 1s ,1d",
      ACTIONSD_DELIVERY_CONCURRENCY: "1",
      ACTIONSD_DELIVERY_RETENTION: "1h30m",
    };
    const fromEnv = parseServeConfig([], env);
    assert.deepEqual(fromEnv.retrySchedule, [0, second, day]);
    assert.equal(fromEnv.deliveryConcurrency, 1);
    assert.equal(fromEnv.deliveryRetentionMs, hour + 30 * minute);
    const flags = parseServeConfig(
      [
        "--retry-schedule",
        "0,5s",
        "--delivery-concurrency",
        "1024",
        "--delivery-retention",
        "1d",
      ],
      env,
    );
    assert.deepEqual(flags.retrySchedule, [0, 5 * second]);
    assert.equal(flags.deliveryConcurrency, 1024);
    assert.equal(flags.deliveryRetentionMs, day);
  });

  it("accepts a schedule of one attempt and of 100", () => {
    assert.deepEqual(
      parseServeConfig(["--retry-schedule", "0"], {}).retrySchedule,
      [0],
    );
    const hundred = ["0", ...Array(99).fill("1s")].join(",");
    assert.equal(
      parseServeConfig(["--retry-schedule", hundred], {}).retrySchedule
        ?.length,
      100,
    );
  });

  const bad: [string, string[], Record<string, string>][] = [
    ["an empty schedule flag", ["--retry-schedule", ""], {}],
    ["a schedule with an empty delay", ["--retry-schedule", "0,,1s"], {}],
    ["a schedule with a trailing comma", ["--retry-schedule", "0,1s,"], {}],
    ["a delay without unit", ["--retry-schedule", "0,1000"], {}],
    ["a delay in ms", ["--retry-schedule", "0,200ms"], {}],
    ["a negative delay", ["--retry-schedule", "0,-1s"], {}],
    ["a zero delay with a unit", ["--retry-schedule", "0s"], {}],
    ["101 delays", ["--retry-schedule", Array(101).fill("0").join(",")], {}],
    ["a schedule whose first attempt waits", ["--retry-schedule", "5s,1s"], {}],
    ["a bad schedule from env", [], { ACTIONSD_RETRY_SCHEDULE: "soon" }],
    ["concurrency 0", ["--delivery-concurrency", "0"], {}],
    ["concurrency above 1024", ["--delivery-concurrency", "1025"], {}],
    ["concurrency not a number", ["--delivery-concurrency", "4x"], {}],
    ["a negative concurrency", ["--delivery-concurrency", "-1"], {}],
    ["a fractional concurrency", [], { ACTIONSD_DELIVERY_CONCURRENCY: "2.5" }],
    ["retention 0", ["--delivery-retention", "0"], {}],
    ["retention 0d", ["--delivery-retention", "0d"], {}],
    ["retention without unit", ["--delivery-retention", "7"], {}],
    ["retention in weeks", ["--delivery-retention", "1w"], {}],
    ["a word as retention", [], { ACTIONSD_DELIVERY_RETENTION: "forever" }],
    ["a schedule flag without value", ["--retry-schedule"], {}],
  ];
  for (const [name, args, env] of bad) {
    it(`rejects ${name} with a ConfigError`, () => {
      assert.throws(() => parseServeConfig(args, env), ConfigError);
    });
  }
});
