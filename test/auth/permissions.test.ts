import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  parseRoleMapping,
  permissionsForRoles,
  readRolesClaim,
} from "../../src/auth/permissions.js";

describe("permissionsForRoles()", () => {
  it("grants IAM_OWNER the six permissions and the call permissions", () => {
    assert.deepEqual([...permissionsForRoles(["IAM_OWNER"])].sort(), [
      "execution.delete",
      "execution.event.push",
      "execution.function.call",
      "execution.read",
      "execution.target.delete",
      "execution.target.read",
      "execution.target.write",
      "execution.write",
    ]);
  });

  it("grants IAM_OWNER_VIEWER the two read permissions", () => {
    assert.deepEqual([...permissionsForRoles(["IAM_OWNER_VIEWER"])].sort(), [
      "execution.read",
      "execution.target.read",
    ]);
  });

  it("grants other roles nothing", () => {
    assert.equal(permissionsForRoles(["ORG_OWNER", "x"]).size, 0);
  });

  it("follows a configured mapping", () => {
    const mapping = { READER: ["execution.read"] };
    assert.deepEqual([...permissionsForRoles(["READER", "IAM_OWNER"], mapping)], [
      "execution.read",
    ]);
  });
});

describe("readRolesClaim()", () => {
  it("reads roles and the first organization", () => {
    assert.deepEqual(
      readRolesClaim({ B: { "org-1": "o1.example" }, A: { "org-2": "o2" } }),
      { roles: ["A", "B"], orgId: "org-1" },
    );
  });

  it("yields no roles for another shape", () => {
    for (const value of [undefined, null, "IAM_OWNER", ["IAM_OWNER"], 3]) {
      assert.deepEqual(readRolesClaim(value), { roles: [], orgId: "" });
    }
  });
});

describe("parseRoleMapping()", () => {
  it("reads an object of permission lists", () => {
    assert.deepEqual(parseRoleMapping('{"R": ["execution.read"], "S": []}'), {
      R: ["execution.read"],
      S: [],
    });
  });

  for (const text of ["nope", "[]", "null", '{"R": "execution.read"}', '{"R": [1]}']) {
    it(`rejects ${text}`, () => {
      assert.throws(() => parseRoleMapping(text), TypeError);
    });
  }
});
