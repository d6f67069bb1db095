import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSecretBox } from "../../src/store/secret-box.js";

describe("createSecretBox()", () => {
  const key = new Uint8Array(randomBytes(32));

  test("opens what it sealed, with a fresh nonce each time", () => {
    const box = createSecretBox(key);
    const a = box.seal("whsec_abc");
    const b = box.seal("whsec_abc");
    assert.notDeepEqual(a, b);
    assert.equal(box.open(a), "whsec_abc");
    assert.ok(!a.toString("latin1").includes("whsec_abc"));
  });

  test("refuses a tampered value and a wrong key", () => {
    const sealed = createSecretBox(key).seal("secret");
    const tampered = Buffer.from(sealed);
    tampered[13] = tampered[13]! ^ 1;
    assert.throws(() => createSecretBox(key).open(tampered));
    assert.throws(() => createSecretBox(new Uint8Array(32)).open(sealed));
    assert.throws(() => createSecretBox(key).open(new Uint8Array(5)), RangeError);
  });

  test("needs a 32 byte key", () => {
    assert.throws(() => createSecretBox(new Uint8Array(16)), RangeError);
  });
});
