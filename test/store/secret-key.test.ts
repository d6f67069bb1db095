import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSecretKey } from "../../src/store/secret-key.js";

describe("loadSecretKey()", () => {
  it("creates a 32-byte key with mode 0600 and reads it back", () => {
    const path = join(mkdtempSync(join(tmpdir(), "key-")), "secret.key");
    const key = loadSecretKey(path);
    assert.equal(key.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(loadSecretKey(path), key);
  });

  it("refuses a file of the wrong length", () => {
    const path = join(mkdtempSync(join(tmpdir(), "key-")), "secret.key");
    writeFileSync(path, Buffer.alloc(16));
    assert.throws(() => loadSecretKey(path));
  });
});
