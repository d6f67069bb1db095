import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDenyList } from "../../src/runtime/deny-list.js";

describe("createDenyList()", () => {
  const denyList = createDenyList();

  const refused = [
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/",
    "http://100.100.100.200/",
    "http://[fd00:ec2::254]/",
    "http://metadata.google.internal/computeMetadata/v1",
    "http://METADATA.GOOGLE.INTERNAL./",
    "http://metadata.azure.com/",
    "http://[::ffff:169.254.169.254]/",
    // WHATWG URL parsing turns the decimal form into the dotted one.
    "http://2852039166/",
  ];
  for (const endpoint of refused) {
    it(`refuses ${endpoint} by default`, () => {
      assert.notEqual(denyList.checkEndpoint(new URL(endpoint)), undefined);
    });
  }

  const allowed = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "https://example.com/hook",
    "http://[::1]/",
    "http://169.255.0.1/",
    "http://notmetadata.google.internal.example.com/",
  ];
  for (const endpoint of allowed) {
    it(`allows ${endpoint} by default`, () => {
      assert.equal(denyList.checkEndpoint(new URL(endpoint)), undefined);
    });
  }

  it("matches host entries as suffixes after a dot", () => {
    const list = createDenyList({ entries: ["internal.example"] });
    assert.notEqual(
      list.checkEndpoint(new URL("http://a.b.internal.example/")),
      undefined,
    );
    assert.equal(
      list.checkEndpoint(new URL("http://xinternal.example/")),
      undefined,
    );
  });

  it("rejects a malformed range", () => {
    assert.throws(() => createDenyList({ entries: ["10.0.0.0/99"] }), TypeError);
  });

  it("refuses a name whose resolved address is denied", async () => {
    const list = createDenyList({ entries: ["127.0.0.0/8"] });
    const error = await new Promise<NodeJS.ErrnoException | null>(
      (resolve) =>
        list.lookup("localhost", { all: true, family: 4 }, (e) => resolve(e)),
    );
    assert.equal(error?.code, "EDENIED");
  });

  it("passes a name whose resolved addresses are allowed", async () => {
    const list = createDenyList({ entries: ["10.0.0.0/8"] });
    const address = await new Promise<unknown>((resolve, reject) =>
      list.lookup("localhost", { family: 4 }, (e, a) =>
        e === null ? resolve(a) : reject(e),
      ),
    );
    assert.equal(address, "127.0.0.1");
  });
});
