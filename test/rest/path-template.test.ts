import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  comparePathTemplates,
  matchPathTemplate,
  parsePathTemplate,
} from "../../src/rest/path-template.js";

function values(template: string, path: string): string[] | undefined {
  return matchPathTemplate(parsePathTemplate(template), path)?.map(
    (b) => `${b.fieldPath.join(".")}=${b.value}`,
  );
}

describe("parsePathTemplate()", () => {
  it("parses literals, variables, wildcards and a verb", () => {
    const t = parsePathTemplate("/v1/{name=shelves/*/books/*}:read");
    assert.deepEqual(t.segments, [
      { kind: "literal", value: "v1" },
      { kind: "literal", value: "shelves" },
      { kind: "wildcard" },
      { kind: "literal", value: "books" },
      { kind: "wildcard" },
    ]);
    assert.deepEqual(t.variables, [{ fieldPath: ["name"], start: 1, end: 5 }]);
    assert.equal(t.verb, "read");
  });

  it("reads {field} as {field=*} and splits nested field paths", () => {
    const t = parsePathTemplate("/v1/{a.b.c}");
    assert.deepEqual(t.segments[1], { kind: "wildcard" });
    assert.deepEqual(t.variables, [
      { fieldPath: ["a", "b", "c"], start: 1, end: 2 },
    ]);
    assert.equal(t.verb, undefined);
  });

  const invalid = [
    ["no leading slash", "v1/x"],
    ["** before the end", "/v1/**/x"],
    ["** inside a variable before the end", "/v1/{p=**}/x"],
    ["nested variables", "/v1/{a={b}}"],
    ["unbalanced brace", "/v1/{a"],
    ["bad field path", "/v1/{1a}"],
    ["empty pattern", "/v1/{a=}"],
    ["empty segment", "/v1//x"],
    ["the same field twice", "/v1/{a}/{a}"],
    ["empty verb", "/v1/x:"],
  ];
  for (const [why, template] of invalid) {
    it(`rejects ${why}: ${template}`, () => {
      assert.throws(() => parsePathTemplate(template), Error);
    });
  }
});

describe("matchPathTemplate()", () => {
  const table: [string, string, string[] | undefined][] = [
    ["/v3alpha/targets", "/v3alpha/targets", []],
    ["/v3alpha/targets", "/v3alpha/targets/", undefined],
    ["/v3alpha/targets", "/v3alpha/target", undefined],
    ["/v3alpha/targets/{target_id}", "/v3alpha/targets/123", ["target_id=123"]],
    ["/v3alpha/targets/{target_id}", "/v3alpha/targets/", undefined],
    ["/v3alpha/targets/{target_id}", "/v3alpha/targets/1/2", undefined],
    // A single-segment variable is decoded fully, %2F included.
    ["/v1/{id}", "/v1/a%2Fb%20c", ["id=a/b c"]],
    ["/v1/{id}", "/v1/%E2%82%AC", ["id=€"]],
    // A multi-segment variable keeps %2F encoded and decodes the rest.
    [
      "/v1/{name=shelves/*/books/*}",
      "/v1/shelves/s%201/books/b%2F2",
      ["name=shelves/s 1/books/b%2F2"],
    ],
    ["/v1/{name=shelves/*/books/*}", "/v1/shelves/1/novels/2", undefined],
    ["/v1/{name=shelves/*/books/*}", "/v1/shelves/1/books", undefined],
    // ** takes zero or more segments, slashes kept.
    ["/v1/files/{path=**}", "/v1/files/a/b/c.txt", ["path=a/b/c.txt"]],
    ["/v1/files/{path=**}", "/v1/files/a%2Fb/c", ["path=a%2Fb/c"]],
    ["/v1/files/{path=**}", "/v1/files", ["path="]],
    ["/v1/files/**", "/v1/files/x/y", []],
    ["/v1/*/x", "/v1/anything/x", []],
    // The verb must be there, and is not part of the variable.
    ["/v1/{name=operations/*}:cancel", "/v1/operations/7:cancel", [
      "name=operations/7",
    ]],
    ["/v1/{name=operations/*}:cancel", "/v1/operations/7", undefined],
    ["/v1/{name=operations/*}:cancel", "/v1/operations/7:stop", undefined],
    ["/v1/archive/{path=**}:download", "/v1/archive/a/b:download", [
      "path=a/b",
    ]],
    ["/v1/echo:peek", "/v1/echo:peek", []],
    ["/v1/echo:peek", "/v1/echo", undefined],
    // Without a verb in the template, a colon is part of the segment.
    ["/v1/{id}", "/v1/a:b", ["id=a:b"]],
    // Nested field paths bind the dotted path.
    ["/v1/echo/{nested.inner.label}", "/v1/echo/x", ["nested.inner.label=x"]],
    // Literals also match their percent-encoded spelling.
    ["/v1/files", "/v1/%66iles", []],
  ];
  for (const [template, path, expected] of table) {
    it(`${template} on ${path}`, () => {
      assert.deepEqual(values(template, path), expected);
    });
  }

  it("throws InvalidArgument for malformed percent-encoding", () => {
    assert.throws(
      () => values("/v1/{id}", "/v1/%E2%82"),
      (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument,
    );
  });
});

describe("comparePathTemplates()", () => {
  it("puts verbs first, then literals before * before **", () => {
    const sources = [
      "/v1/{path=**}",
      "/v1/{id}",
      "/v1/files/{path=**}",
      "/v1/files",
      "/v1/{id}:run",
    ];
    const sorted = sources
      .map((s) => parsePathTemplate(s))
      .sort(comparePathTemplates)
      .map((t) => t.source);
    assert.deepEqual(sorted, [
      "/v1/{id}:run",
      "/v1/files",
      "/v1/files/{path=**}",
      "/v1/{id}",
      "/v1/{path=**}",
    ]);
  });
});
