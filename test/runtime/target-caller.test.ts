import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { createDenyList } from "../../src/runtime/deny-list.js";
import { TargetCallError } from "../../src/runtime/target-call-error.js";
import { createTargetCaller } from "../../src/runtime/target-caller.js";
import type { RuntimeLogger } from "../../src/runtime/runtime-logger.js";
import { startReceiver, type Receiver } from "./receiver.js";
import { runtimeTarget } from "./runtime-target.js";
import { verifyZitadelSignature } from "./verify-signature.js";

async function rejection(promise: Promise<unknown>): Promise<TargetCallError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TargetCallError, String(error));
    return error;
  }
  assert.fail("expected the call to fail");
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("createTargetCaller()", { timeout: 20_000 }, () => {
  let receiver: Receiver;
  const logged: Array<Record<string, unknown>> = [];
  const logger: RuntimeLogger = {
    info: (fields) => logged.push(fields),
    warn: (fields) => logged.push(fields),
    error: (fields) => logged.push(fields),
  };
  const caller = createTargetCaller({ logger, maxBodyBytes: 1024 });

  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => {
    await caller.close();
    await receiver.close();
  });

  it("posts signed JSON and answers status and body", async () => {
    receiver.answer("/ok", { status: 200, body: '{"a":1}' });
    const target = runtimeTarget(`${receiver.url}/ok`);
    const body = '{"hello":"world"}';
    const response = await caller.call(target, body);
    assert.deepEqual(response, { status: 200, body: '{"a":1}' });
    const got = await receiver.waitFor("/ok");
    assert.equal(got.body, body);
    assert.equal(got.headers["content-type"], "application/json");
    const headers = got.headers as Record<string, string>;
    assert.deepEqual(new Webhook(target.signingKey).verify(got.body, headers), {
      hello: "world",
    });
    assert.equal(
      verifyZitadelSignature(
        headers["zitadel-signature"]!,
        got.body,
        target.signingKey,
      ),
      true,
    );
  });

  it("reuses the connection per origin", async () => {
    const target = runtimeTarget(`${receiver.url}/reuse`);
    await caller.call(target, "{}");
    const before = receiver.connections();
    await caller.call(target, "{}");
    await caller.call(target, "{}");
    assert.equal(receiver.connections(), before);
  });

  for (const status of [400, 404, 500, 503]) {
    it(`fails with status ${status}`, async () => {
      receiver.answer(`/status${status}`, { status, body: "{}" });
      const error = await rejection(
        caller.call(runtimeTarget(`${receiver.url}/status${status}`), "{}"),
      );
      assert.equal(error.kind, "status");
      assert.equal(error.status, status);
    });
  }

  it("does not follow a redirect", async () => {
    receiver.answer("/redirect", (_req, res) => {
      res.writeHead(307, { location: `${receiver.url}/ok` });
      res.end();
    });
    const seen = receiver.received.filter((r) => r.path === "/ok").length;
    const error = await rejection(
      caller.call(runtimeTarget(`${receiver.url}/redirect`), "{}"),
    );
    assert.equal(error.kind, "status");
    assert.equal(error.status, 307);
    assert.equal(receiver.received.filter((r) => r.path === "/ok").length, seen);
  });

  it("times out when no headers come", async () => {
    receiver.answer("/silent", () => {});
    const started = Date.now();
    const error = await rejection(
      caller.call(runtimeTarget(`${receiver.url}/silent`, { timeoutMs: 200 }), "{}"),
    );
    assert.equal(error.kind, "timeout");
    assert.ok(Date.now() - started < 2000);
  });

  it("times out when the body stalls", async () => {
    receiver.answer("/stall", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"a":');
    });
    const error = await rejection(
      caller.call(runtimeTarget(`${receiver.url}/stall`, { timeoutMs: 300 }), "{}"),
    );
    assert.equal(error.kind, "timeout");
  });

  it("fails on an unreachable endpoint", async () => {
    const port = await closedPort();
    const error = await rejection(
      caller.call(runtimeTarget(`http://127.0.0.1:${port}/`), "{}"),
    );
    assert.equal(error.kind, "transport");
  });

  it("refuses a body over the limit", async () => {
    receiver.answer("/large", { status: 200, body: "x".repeat(4096) });
    const error = await rejection(
      caller.call(runtimeTarget(`${receiver.url}/large`), "{}"),
    );
    assert.equal(error.kind, "tooLarge");
  });

  it("ignores a large body when it is not read", async () => {
    const response = await caller.call(
      runtimeTarget(`${receiver.url}/large`),
      "{}",
      { readBody: false },
    );
    assert.equal(response.body, "");
  });

  it("stops an awaited call when the originating call ends", async () => {
    receiver.answer("/hang", () => {});
    const abort = new AbortController();
    const pending = caller.call(runtimeTarget(`${receiver.url}/hang`), "{}", {
      signal: abort.signal,
    });
    await receiver.waitFor("/hang");
    abort.abort();
    assert.equal((await rejection(pending)).kind, "canceled");
  });

  it("sends async without waiting and logs the outcome", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    receiver.answer("/slow", (_req, res) => {
      void released.then(() => res.writeHead(202).end());
    });
    const target = runtimeTarget(`${receiver.url}/slow`, { type: "async" });
    caller.send(target, '{"async":true}');
    const got = await receiver.waitFor("/slow");
    assert.equal(got.body, '{"async":true}');
    release();
    await caller.drain();
    assert.ok(
      logged.some((f) => f.target_id === target.id && f.status === 202),
    );
  });

  it("drops async sends past the bound, and logs each", async () => {
    const bounded = createTargetCaller({ logger, maxSendsInFlight: 2 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    receiver.answer("/held", (_req, res) => {
      void released.then(() => res.writeHead(200).end());
    });
    const target = runtimeTarget(`${receiver.url}/held`, { type: "async" });
    try {
      bounded.send(target, '{"n":1}');
      bounded.send(target, '{"n":2}');
      bounded.send(target, '{"n":3}');
      await receiver.waitFor("/held", 2);
      assert.ok(
        logged.some(
          (f) => f.target_id === target.id && f.sends_in_flight === 2,
        ),
      );
      release();
      await bounded.drain();
      bounded.send(target, '{"n":4}');
      await bounded.drain();
      const bodies = receiver.received
        .filter((r) => r.path === "/held")
        .map((r) => r.body);
      assert.deepEqual(bodies.sort(), ['{"n":1}', '{"n":2}', '{"n":4}']);
    } finally {
      release();
      await bounded.close();
    }
  });

  it("refuses a denied literal address before connecting", async () => {
    const denied = createTargetCaller({
      denyList: createDenyList({ entries: ["127.0.0.0/8"] }),
    });
    try {
      const seen = receiver.received.length;
      const error = await rejection(
        denied.call(runtimeTarget(`${receiver.url}/ok`), "{}"),
      );
      assert.equal(error.kind, "denied");
      assert.equal(receiver.received.length, seen);
    } finally {
      await denied.close();
    }
  });

  it("refuses a name that resolves into a denied range", async () => {
    const denied = createTargetCaller({
      denyList: createDenyList({ entries: ["127.0.0.0/8", "::1/128"] }),
    });
    try {
      const port = new URL(receiver.url).port;
      const seen = receiver.received.length;
      const error = await rejection(
        denied.call(runtimeTarget(`http://localhost:${port}/ok`), "{}"),
      );
      assert.equal(error.kind, "denied");
      assert.equal(receiver.received.length, seen);
    } finally {
      await denied.close();
    }
  });

  it("calls a name whose addresses are allowed", async () => {
    const port = new URL(receiver.url).port;
    const response = await caller.call(
      runtimeTarget(`http://localhost:${port}/ok`),
      "{}",
    );
    assert.equal(response.status, 200);
  });
});
