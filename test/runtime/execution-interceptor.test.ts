import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { RuntimeTarget } from "../../src/domain/execution-snapshot.js";
import {
  startInterceptedServer,
  testCaller,
  type InterceptedServer,
} from "./intercepted-server.js";
import { startReceiver, type Receiver } from "./receiver.js";
import { runtimeTarget } from "./runtime-target.js";
import { codeOf } from "../support/call-code.js";

const getTarget = "/zitadel.action.v3alpha.ActionService/GetTargetByID";
const deleteTarget = "/zitadel.action.v3alpha.ActionService/DeleteTarget";
const service = "zitadel.action.v3alpha.ActionService";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const protocol of ["grpc", "connect"] as const) {
  describe(`createExecutionInterceptor() over ${protocol}`, { timeout: 30_000 }, () => {
    let server: InterceptedServer;
    let receiver: Receiver;
    let unreachable: string;
    let counter = 0;
    const path = (name: string) => `/${name}-${++counter}`;
    const client = () => server[protocol];
    const hits = (p: string) => receiver.received.filter((r) => r.path === p);
    const target = (p: string, fields: Partial<RuntimeTarget> = {}) =>
      runtimeTarget(`${receiver.url}${p}`, fields);
    const only = (id: string, ...targets: RuntimeTarget[]) =>
      server.setExecutions(
        { [id]: targets.map((t) => ({ targetId: t.id })) },
        targets,
      );

    before(async () => {
      server = await startInterceptedServer();
      receiver = await startReceiver();
      unreachable = `http://127.0.0.1:${await closedPort()}/gone`;
    });
    after(async () => {
      await server.close();
      await receiver.close();
    });

    it("passes a call without an execution", async () => {
      server.setExecutions({}, []);
      const res = await client().getTargetByID({ targetId: "plain" });
      assert.equal(res.target?.targetId, "plain");
      assert.equal(server.handled.at(-1), "plain");
    });

    it("sends the payload of API.md section 8 to a webhook", async () => {
      const p = path("payload");
      only(`request${getTarget}`, target(p));
      await client().getTargetByID(
        { targetId: "42" },
        { headers: { authorization: "Bearer secret", "x-trace": "abc" } },
      );
      const body = JSON.parse((await receiver.waitFor(p)).body);
      assert.equal(body.fullMethod, getTarget);
      assert.equal(body.instanceID, testCaller.instanceId);
      assert.equal(body.orgID, testCaller.orgId);
      assert.equal(body.userID, testCaller.userId);
      assert.equal("projectID" in body, false);
      assert.equal("response" in body, false);
      assert.deepEqual(body.request, { targetId: "42" });
      assert.deepEqual(body.headers["x-trace"], ["abc"]);
      assert.equal("authorization" in body.headers, false);
    });

    const webhookCases: Array<[string, number | "unreachable" | "timeout", Code]> = [
      ["400", 400, Code.InvalidArgument],
      ["500", 500, Code.Internal],
      ["unreachable", "unreachable", Code.Unknown],
      ["timeout", "timeout", Code.DeadlineExceeded],
    ];
    for (const [name, failure, code] of webhookCases) {
      const failing = (p: string, interruptOnError: boolean) => {
        if (failure === "unreachable") {
          return runtimeTarget(unreachable, { interruptOnError });
        }
        if (failure === "timeout") {
          receiver.answer(p, () => {});
          return target(p, { interruptOnError, timeoutMs: 200 });
        }
        receiver.answer(p, { status: failure });
        return target(p, { interruptOnError });
      };

      it(`fails the call on webhook ${name} with interrupt`, async () => {
        const p = path(`wh-${name}-i`);
        only(`request${getTarget}`, failing(p, true));
        const handled = server.handled.length;
        assert.equal(await codeOf(client().getTargetByID({ targetId: "1" })), code);
        assert.equal(server.handled.length, handled);
      });

      it(`goes on after webhook ${name} without interrupt`, async () => {
        const p = path(`wh-${name}`);
        only(`request${getTarget}`, failing(p, false));
        const res = await client().getTargetByID({ targetId: "go-on" });
        assert.equal(res.target?.targetId, "go-on");
      });
    }

    it("goes on after a webhook 200", async () => {
      const p = path("wh-200");
      receiver.answer(p, { status: 200, body: '{"targetId":"ignored"}' });
      only(`request${getTarget}`, target(p, { interruptOnError: true }));
      const res = await client().getTargetByID({ targetId: "kept" });
      assert.equal(res.target?.targetId, "kept");
      assert.equal(hits(p).length, 1);
    });

    it("replaces the request and the response with call targets", async () => {
      const req = path("call-req");
      const res = path("call-res");
      receiver.answer(req, { status: 200, body: '{"targetId":"rewritten"}' });
      receiver.answer(res, {
        status: 200,
        body: '{"target":{"targetId":"rewritten","name":"from-response"}}',
      });
      const requestTarget = target(req, { type: "call", interruptOnError: true });
      const responseTarget = target(res, { type: "call", interruptOnError: true });
      server.setExecutions(
        {
          [`request${getTarget}`]: [{ targetId: requestTarget.id }],
          [`response${getTarget}`]: [{ targetId: responseTarget.id }],
        },
        [requestTarget, responseTarget],
      );
      const answer = await client().getTargetByID({ targetId: "original" });
      assert.equal(server.handled.at(-1), "rewritten");
      assert.equal(answer.target?.name, "from-response");
      const seen = JSON.parse((await receiver.waitFor(res)).body);
      assert.deepEqual(seen.request, { targetId: "rewritten" });
      assert.equal(seen.response.target.name, "fixed");
    });

    it("keeps the message when a call answers an empty body", async () => {
      const p = path("call-empty");
      receiver.answer(p, { status: 204 });
      only(`request${getTarget}`, target(p, { type: "call", interruptOnError: true }));
      const res = await client().getTargetByID({ targetId: "same" });
      assert.equal(res.target?.targetId, "same");
    });

    for (const [name, body] of [
      ["not JSON", "not json"],
      ["an unknown field", '{"nope":1}'],
      ["a wrong type", '{"targetId":5}'],
    ] as const) {
      it(`fails on a call body with ${name} with interrupt`, async () => {
        const p = path("call-bad-i");
        receiver.answer(p, { status: 200, body });
        only(`request${getTarget}`, target(p, { type: "call", interruptOnError: true }));
        assert.equal(
          await codeOf(client().getTargetByID({ targetId: "1" })),
          Code.Unknown,
        );
      });

      it(`keeps the message on a call body with ${name} without interrupt`, async () => {
        const p = path("call-bad");
        receiver.answer(p, { status: 200, body });
        only(`request${getTarget}`, target(p, { type: "call" }));
        const res = await client().getTargetByID({ targetId: "unchanged" });
        assert.equal(server.handled.at(-1), "unchanged");
        assert.equal(res.target?.targetId, "unchanged");
      });
    }

    it("does not wait for a slow async target", async () => {
      const p = path("async");
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      receiver.answer(p, (_req, res) => {
        void released.then(() => res.writeHead(200).end());
      });
      only(`request${getTarget}`, target(p, { type: "async", timeoutMs: 10_000 }));
      const res = await client().getTargetByID({ targetId: "fast" });
      assert.equal(res.target?.targetId, "fast");
      const got = await receiver.waitFor(p);
      assert.deepEqual(JSON.parse(got.body).request, { targetId: "fast" });
      release();
    });

    for (const interruptOnError of [true, false]) {
      it(`runs three targets where the second fails (interrupt ${interruptOnError})`, async () => {
        const [a, b, c] = [path("three-a"), path("three-b"), path("three-c")];
        receiver.answer(a, { status: 200, body: '{"targetId":"from-a"}' });
        receiver.answer(b, { status: 503 });
        const targets = [
          target(a, { type: "call", interruptOnError: true }),
          target(b, { type: "call", interruptOnError }),
          target(c),
        ];
        only(`request${getTarget}`, ...targets);
        const call = client().getTargetByID({ targetId: "start" });
        if (interruptOnError) {
          assert.equal(await codeOf(call), Code.Unavailable);
          assert.equal(hits(c).length, 0);
        } else {
          await call;
          assert.equal(server.handled.at(-1), "from-a");
          const third = JSON.parse((await receiver.waitFor(c)).body);
          assert.deepEqual(third.request, { targetId: "from-a" });
        }
        assert.equal(hits(a).length, 1);
        assert.equal(hits(b).length, 1);
      });
    }

    it("expands includes in place, in order", async () => {
      const [a, b, c, d] = [path("inc-a"), path("inc-b"), path("inc-c"), path("inc-d")];
      const targets = [target(a), target(b), target(c), target(d)];
      server.setExecutions(
        {
          [`request${getTarget}`]: [
            { targetId: targets[0]!.id },
            { includeId: "function/shared" },
            { targetId: targets[3]!.id },
          ],
          "function/shared": [
            { targetId: targets[1]!.id },
            { includeId: "request/other.Svc" },
          ],
          "request/other.Svc": [{ targetId: targets[2]!.id }],
        },
        targets,
      );
      const start = receiver.received.length;
      await client().getTargetByID({ targetId: "1" });
      assert.deepEqual(
        receiver.received.slice(start).map((r) => r.path),
        [a, b, c, d],
      );
    });

    it("prefers method over service over all", async () => {
      const [m, s, all] = [path("method"), path("service"), path("all")];
      const targets = [target(m), target(s), target(all)];
      const executions: Record<string, Array<{ targetId: string }>> = {
        [`request${getTarget}`]: [{ targetId: targets[0]!.id }],
        [`request/${service}`]: [{ targetId: targets[1]!.id }],
        request: [{ targetId: targets[2]!.id }],
      };
      server.setExecutions(executions, targets);
      await client().getTargetByID({ targetId: "1" });
      assert.deepEqual([hits(m).length, hits(s).length, hits(all).length], [1, 0, 0]);

      delete executions[`request${getTarget}`];
      server.setExecutions(executions, targets);
      await client().getTargetByID({ targetId: "1" });
      assert.deepEqual([hits(m).length, hits(s).length, hits(all).length], [1, 1, 0]);

      delete executions[`request/${service}`];
      server.setExecutions(executions, targets);
      await client().getTargetByID({ targetId: "1" });
      assert.deepEqual([hits(m).length, hits(s).length, hits(all).length], [1, 1, 1]);
    });

    it("runs no response targets after a failed handler", async () => {
      const [req, res] = [path("fail-req"), path("fail-res")];
      const targets = [target(req), target(res, { interruptOnError: true })];
      server.setExecutions(
        {
          [`request${deleteTarget}`]: [{ targetId: targets[0]!.id }],
          [`response${deleteTarget}`]: [{ targetId: targets[1]!.id }],
        },
        targets,
      );
      assert.equal(
        await codeOf(client().deleteTarget({ targetId: "x" })),
        Code.NotFound,
      );
      assert.equal(hits(req).length, 1);
      assert.equal(hits(res).length, 0);
    });

    it("fails after the handler when a response target interrupts", async () => {
      const p = path("res-interrupt");
      receiver.answer(p, { status: 403 });
      only(`response${getTarget}`, target(p, { interruptOnError: true }));
      const handled = server.handled.length;
      assert.equal(
        await codeOf(client().getTargetByID({ targetId: "done" })),
        Code.PermissionDenied,
      );
      assert.equal(server.handled.length, handled + 1);
    });

    it("fires a new execution on the very next call", async () => {
      server.setExecutions({}, []);
      await client().getTargetByID({ targetId: "before" });
      const p = path("next-call");
      only(`request${getTarget}`, target(p));
      await client().getTargetByID({ targetId: "after" });
      assert.equal(hits(p).length, 1);
    });
  });
}
