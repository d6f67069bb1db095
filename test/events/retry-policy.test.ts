import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  backoffDelay,
  classifyFailure,
  defaultRetrySchedule,
  maxRetryAfterMs,
  parseRetryAfter,
} from "../../src/events/retry-policy.js";
import { TargetCallError } from "../../src/runtime/target-call-error.js";

describe("retry policy", () => {
  it("defaults to 8 attempts from at once to 6 hours", () => {
    assert.deepEqual(
      [...defaultRetrySchedule],
      [0, 1e3, 5e3, 30e3, 120e3, 600e3, 3600e3, 21600e3],
    );
  });

  const verdicts: Array<[string, TargetCallError, boolean]> = [
    ["a timeout", new TargetCallError("timeout", "t", "t"), true],
    ["a transport error", new TargetCallError("transport", "t", "t"), true],
    ["408", new TargetCallError("status", "t", "t", 408), true],
    ["429", new TargetCallError("status", "t", "t", 429), true],
    ["500", new TargetCallError("status", "t", "t", 500), true],
    ["503", new TargetCallError("status", "t", "t", 503), true],
    ["400", new TargetCallError("status", "t", "t", 400), false],
    ["404", new TargetCallError("status", "t", "t", 404), false],
    ["410", new TargetCallError("status", "t", "t", 410), false],
    ["a redirect", new TargetCallError("status", "t", "t", 302), false],
    ["a denied endpoint", new TargetCallError("denied", "t", "t"), false],
  ];
  for (const [name, error, retryable] of verdicts) {
    it(`${retryable ? "retries" : "does not retry"} ${name}`, () => {
      const verdict = classifyFailure(error, 0);
      assert.equal(verdict.retryable, retryable);
      assert.equal(verdict.statusCode, error.status ?? 0);
    });
  }

  it("does not retry an unexpected error", () => {
    assert.equal(classifyFailure(new Error("x"), 0).retryable, false);
  });

  it("reads Retry-After as seconds or a date, capped at a day", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("3", now), 3000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now), 10_000);
    assert.equal(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter("999999", now), maxRetryAfterMs);
    assert.equal(parseRetryAfter("soon", now), undefined);
  });

  it("spreads delays by the jitter and stays on the last step", () => {
    assert.equal(backoffDelay([0, 1000], 1, 0.2, () => 0), 800);
    assert.equal(backoffDelay([0, 1000], 1, 0.2, () => 1), 1200);
    assert.equal(backoffDelay([0, 1000], 1, 0, () => 0.3), 1000);
    assert.equal(backoffDelay([0, 1000], 5, 0, () => 0.3), 1000);
  });
});
