import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import {
  http2Request,
  startPathTestServers,
  type PathTestServers,
} from "./path-test-server.js";

const auth = { authorization: "Bearer test" };
const service = "/actionsd.testing.v1.PathTestService";

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = auth,
): Promise<Answer> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
    body: body as BodyInit | undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text === "" ? undefined : JSON.parse(text),
  };
}

function assertStatus(answer: Answer, status: number, code: Code): void {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  const json = answer.json as { code: unknown; message: unknown; details: unknown };
  assert.equal(json.code, code);
  assert.equal(typeof json.message, "string");
  assert.ok(Array.isArray(json.details));
}

describe("createRestHandler()", { timeout: 30_000 }, () => {
  let servers: PathTestServers;
  before(async () => {
    servers = await startPathTestServers();
  });
  after(async () => {
    await servers.close();
  });

  it("maps path and typed query parameters of a rule without body", async () => {
    const query = [
      "flag=true",
      "count=-5",
      "big=9007199254740993",
      "ratio=1.5",
      "kind=KIND_LARGE",
      "tags=a",
      "tags=b%20c",
      "numbers=1",
      "numbers=2",
      "nested.label=n",
      "nested.inner.depth=3",
      "wait=10s",
      "at=2024-01-02T03:04:05Z",
      "kinds=1",
      "kinds=KIND_LARGE",
      "maybeText=m",
      "data=AQI",
      "first=x",
    ].join("&");
    const answer = await call(servers.http1Url, "GET", `/v1/echo/hello%20world?${query}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, {
      request: {
        text: "hello world",
        flag: true,
        count: -5,
        big: "9007199254740993",
        ratio: 1.5,
        kind: "KIND_LARGE",
        tags: ["a", "b c"],
        numbers: [1, 2],
        nested: { label: "n", inner: { depth: 3 } },
        wait: "10s",
        at: "2024-01-02T03:04:05Z",
        kinds: ["KIND_SMALL", "KIND_LARGE"],
        maybeText: "m",
        data: "AQI=",
        first: "x",
      },
    });
  });

  it("answers what the same call over Connect JSON answers", async () => {
    const message = {
      text: "t",
      count: 2,
      nested: { inner: { label: "deep" } },
    };
    const rest = await call(
      servers.http1Url,
      "GET",
      "/v1/echo/t?count=2&nested.inner.label=deep",
    );
    const connect = await call(
      servers.http1Url,
      "POST",
      `${service}/Echo`,
      JSON.stringify(message),
    );
    assert.equal(connect.status, 200);
    assert.equal(rest.status, 200);
    assert.deepEqual(rest.json, connect.json);
  });

  it("takes the whole body for body \"*\" and ignores unknown keys", async () => {
    const answer = await call(
      servers.http1Url,
      "POST",
      "/v1/echo",
      JSON.stringify({ text: "b", unknownKey: 1, nested: { what: 2, label: "l" } }),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { request: { text: "b", nested: { label: "l" } } });
  });

  it("lets the path win over the body", async () => {
    const answer = await call(
      servers.http1Url,
      "PATCH",
      "/v1/echo/fromPath",
      JSON.stringify({ text: "fromBody", count: 2 }),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { request: { text: "fromPath", count: 2 } });
  });

  it("takes one field from the body for body \"<field>\", the rest from the query", async () => {
    const answer = await call(
      servers.http1Url,
      "PUT",
      "/v1/echo/t?count=3",
      JSON.stringify({ label: "L", inner: { depth: 1 } }),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, {
      request: { text: "t", count: 3, nested: { label: "L", inner: { depth: 1 } } },
    });
  });

  it("binds a nested field path from the path", async () => {
    const answer = await call(servers.http1Url, "DELETE", "/v1/echo/lbl");
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, {
      request: { nested: { inner: { label: "lbl" } } },
    });
  });

  const pathRows: [string, string, string, unknown][] = [
    ["a literal with a verb", "GET", "/v1/echo:peek", { request: {} }],
    [
      "a multi-segment variable, %2F kept",
      "GET",
      "/v1/shelves/s%201/books/b%2F2",
      { name: "shelves/s 1/books/b%2F2" },
    ],
    ["**", "GET", "/v1/files/a/b/c.txt", { path: "a/b/c.txt" }],
    ["** with a verb", "GET", "/v1/archive/x/y:download", { path: "x/y" }],
  ];
  for (const [name, method, path, expected] of pathRows) {
    it(`routes ${name}: ${method} ${path}`, async () => {
      const answer = await call(servers.http1Url, method, path);
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.deepEqual(answer.json, expected);
    });
  }

  it("routes a verb after a variable with a body", async () => {
    const answer = await call(
      servers.http1Url,
      "POST",
      "/v1/operations/42:cancel",
      JSON.stringify({ reason: "r" }),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { name: "operations/42", reason: "r" });
  });

  it("answers the response_body field with the method's success code", async () => {
    const answer = await call(
      servers.http1Url,
      "POST",
      "/v1/shelves/s1/items",
      JSON.stringify({ title: "T", pages: 12 }),
    );
    assert.equal(answer.status, 201);
    assert.deepEqual(answer.json, { title: "T", pages: "12" });
  });

  it("answers an empty object for an unset response_body message", async () => {
    const answer = await call(servers.http1Url, "POST", "/v1/shelves/s1/items");
    assert.equal(answer.status, 201);
    assert.deepEqual(answer.json, {});
  });

  const errorRows: [Code, number][] = [
    [Code.InvalidArgument, 400],
    [Code.FailedPrecondition, 400],
    [Code.OutOfRange, 400],
    [Code.Unauthenticated, 401],
    [Code.PermissionDenied, 403],
    [Code.NotFound, 404],
    [Code.AlreadyExists, 409],
    [Code.Aborted, 409],
    [Code.ResourceExhausted, 429],
    [Code.Canceled, 499],
    [Code.Unimplemented, 501],
    [Code.Unavailable, 503],
    [Code.DeadlineExceeded, 504],
    [Code.Unknown, 500],
    [Code.Internal, 500],
    [Code.DataLoss, 500],
  ];
  for (const [code, status] of errorRows) {
    it(`maps ${Code[code]} to ${status} with a google.rpc.Status body`, async () => {
      const answer = await call(servers.http1Url, "GET", `/v1/fail/${code}`);
      assert.equal(answer.status, status);
      assert.deepEqual(answer.json, {
        code,
        message: "failed on purpose",
        details: [
          {
            "@type": "type.googleapis.com/zitadel.v1.ErrorDetail",
            id: "TEST-1",
            message: "Errors.Test",
          },
        ],
      });
      assert.equal(
        answer.headers.get("www-authenticate"),
        code === Code.Unauthenticated ? "Bearer" : null,
      );
    });
  }

  it("runs the interceptor chain: 401 with WWW-Authenticate, 403, protocol rest", async () => {
    const before = servers.calls.length;
    const anonymous = await call(servers.http1Url, "GET", "/v1/echo/x", undefined, {});
    assertStatus(anonymous, 401, Code.Unauthenticated);
    assert.equal(anonymous.headers.get("www-authenticate"), "Bearer");
    const denied = await call(servers.http1Url, "GET", "/v1/echo/x", undefined, {
      ...auth,
      "x-deny": "1",
    });
    assertStatus(denied, 403, Code.PermissionDenied);
    const seen = servers.calls.slice(before);
    assert.equal(seen.length, 2);
    for (const c of seen) {
      assert.equal(c.procedure, `${service}/Echo`);
      assert.equal(c.protocol, "rest");
    }
  });

  it("passes the caller's headers on, but not the transport's", async () => {
    const before = servers.calls.length;
    await call(servers.http1Url, "GET", "/v1/echo/x", undefined, {
      ...auth,
      "x-request-id": "req-1",
      "accept-encoding": "gzip",
      "connect-timeout-ms": "1",
    });
    const [seen] = servers.calls.slice(before);
    assert.equal(seen.header.get("authorization"), "Bearer test");
    assert.equal(seen.header.get("x-request-id"), "req-1");
    assert.equal(seen.header.get("accept-encoding"), null);
    assert.equal(seen.header.get("connect-timeout-ms"), null);
    assert.equal(seen.header.get("content-type"), "application/json");
  });

  const invalidRows: [string, string, string, string | undefined][] = [
    ["an unknown query parameter", "GET", "/v1/echo/x?nope=1", undefined],
    ["a bad int", "GET", "/v1/echo/x?count=abc", undefined],
    ["a bad bool", "GET", "/v1/echo/x?flag=maybe", undefined],
    ["an unknown enum name", "GET", "/v1/echo/x?kind=KIND_HUGE", undefined],
    ["a bad duration", "GET", "/v1/echo/x?wait=ten", undefined],
    ["a bad timestamp", "GET", "/v1/echo/x?at=yesterday", undefined],
    ["a singular parameter twice", "GET", "/v1/echo/x?count=1&count=2", undefined],
    ["a message field as parameter", "GET", "/v1/echo/x?nested=1", undefined],
    ["a parameter bound by the path", "GET", "/v1/echo/x?text=y", undefined],
    ["two members of one oneof", "GET", "/v1/echo/x?first=a&second=b", undefined],
    ["a body where the rule has none", "DELETE", "/v1/echo/lbl", "{}"],
    ["a query parameter where the body is the message", "POST", "/v1/echo?count=1", "{}"],
    ["a body that is not JSON", "POST", "/v1/echo", "{text:"],
    ["a body value of the wrong type", "POST", "/v1/echo", '{"count":"x"}'],
    ["an unknown enum name in the body", "POST", "/v1/echo", '{"kind":"KIND_HUGE"}'],
    ["a body field of the wrong type", "PUT", "/v1/echo/x", '"text"'],
    ["a path value of the wrong type", "GET", "/v1/fail/abc", undefined],
    ["malformed percent-encoding", "GET", "/v1/echo/%E2%82", undefined],
  ];
  for (const [name, method, path, body] of invalidRows) {
    it(`answers 400 InvalidArgument for ${name}`, async () => {
      const answer = await call(servers.http1Url, method, path, body);
      assertStatus(answer, 400, Code.InvalidArgument);
    });
  }

  it("answers 400 InvalidArgument for a body that is not UTF-8", async () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const answer = await call(servers.http1Url, "POST", "/v1/echo", bytes);
    assertStatus(answer, 400, Code.InvalidArgument);
  });

  it("answers 404 NotFound for a path no rule matches", async () => {
    for (const path of ["/v1/nothing", "/v1/watch", "/v1/echo/a/b", "/"]) {
      const answer = await call(servers.http1Url, "GET", path);
      assertStatus(answer, 404, Code.NotFound);
    }
  });

  it("answers 405 with Allow for a path served with other methods", async () => {
    const book = await call(servers.http1Url, "DELETE", "/v1/shelves/1/books/2");
    assert.equal(book.status, 405);
    assert.equal(book.headers.get("allow"), "GET");
    const echo = await call(servers.http1Url, "POST", "/v1/echo/x");
    assert.equal(echo.status, 405);
    assert.equal(echo.headers.get("allow"), "DELETE, GET, PATCH, PUT");
  });

  it("keeps the Connect routes beside the REST routes", async () => {
    const answer = await call(
      servers.http1Url,
      "POST",
      `${service}/GetBook`,
      JSON.stringify({ name: "n" }),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { name: "n" });
  });

  it("serves HTTP/2 like HTTP/1.1", async () => {
    const get = await http2Request(
      servers.http2Url,
      "GET",
      "/v1/files/a/b?",
      auth,
    );
    assert.equal(get.status, 200);
    assert.deepEqual(JSON.parse(get.body), { path: "a/b" });
    const created = await http2Request(
      servers.http2Url,
      "POST",
      "/v1/shelves/s/items",
      { ...auth, "content-type": "application/json" },
      JSON.stringify({ title: "h2" }),
    );
    assert.equal(created.status, 201);
    assert.deepEqual(JSON.parse(created.body), { title: "h2" });
    const failed = await http2Request(servers.http2Url, "GET", "/v1/fail/5", auth);
    assert.equal(failed.status, 404);
    assert.equal(JSON.parse(failed.body).code, Code.NotFound);
    const anonymous = await http2Request(servers.http2Url, "GET", "/v1/echo/x");
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers["www-authenticate"], "Bearer");
    const wrong = await http2Request(servers.http2Url, "PUT", "/v1/files/x", auth);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, "GET");
  });
});

describe("createRestHandler() readMaxBytes", { timeout: 15_000 }, () => {
  let servers: PathTestServers;
  before(async () => {
    servers = await startPathTestServers({ readMaxBytes: 64 });
  });
  after(async () => {
    await servers.close();
  });

  it("answers 429 ResourceExhausted for a body over the limit", async () => {
    const answer = await call(
      servers.http1Url,
      "POST",
      "/v1/echo",
      JSON.stringify({ text: "x".repeat(100) }),
    );
    assertStatus(answer, 429, Code.ResourceExhausted);
  });

  it("serves a body within the limit", async () => {
    const answer = await call(servers.http1Url, "POST", "/v1/echo", '{"text":"ok"}');
    assert.equal(answer.status, 200);
  });
});
