import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  localIssuerUrls,
  normalizeDomain,
  normalizeHost,
} from "../../src/auth/request-host.js";

describe("normalizeHost()", () => {
  const rows: [string | undefined, string][] = [
    ["localhost", "localhost"],
    ["LocalHost:8080", "localhost"],
    ["[::1]:8080", "::1"],
    ["[::1]", "::1"],
    ["::1", "::1"],
    ["127.0.0.1:50051", "127.0.0.1"],
    ["actions.example.com.", "actions.example.com"],
    ["user@a.example:1", "a.example"],
    ["[::1", ""],
    ["", ""],
    [undefined, ""],
  ];
  for (const [input, expected] of rows) {
    it(`turns ${JSON.stringify(input)} into ${JSON.stringify(expected)}`, () => {
      assert.equal(normalizeHost(input), expected);
    });
  }
});

describe("normalizeDomain()", () => {
  it("rejects empty and odd domains", () => {
    assert.throws(() => normalizeDomain(""), TypeError);
    assert.throws(() => normalizeDomain("a b.example"), TypeError);
    assert.throws(() => normalizeDomain("a/b"), TypeError);
  });
});

describe("localIssuerUrls()", () => {
  it("brackets IPv6 hosts", () => {
    assert.deepEqual(localIssuerUrls("::1"), ["http://[::1]", "https://[::1]"]);
    assert.deepEqual(localIssuerUrls("a.example"), [
      "http://a.example",
      "https://a.example",
    ]);
  });
});
