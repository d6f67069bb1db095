import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseLifetime } from "../../src/auth/token-lifetime.js";

describe("parseLifetime()", () => {
  const rows: [string, number][] = [
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["1h30m", 5_400_000],
  ];
  for (const [text, ms] of rows) {
    it(`reads ${text}`, () => {
      assert.equal(parseLifetime(text), ms);
    });
  }

  for (const text of ["", "1", "h", "1w", "0s", "-1h", "1h x"]) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseLifetime(text), TypeError);
    });
  }
});
