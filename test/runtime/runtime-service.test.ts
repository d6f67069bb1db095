import assert from "node:assert/strict";
import {
  Code,
  createClient,
  type Client,
  type Interceptor,
} from "@connectrpc/connect";
import {
  connectNodeAdapter,
  createConnectTransport,
  createGrpcTransport,
} from "@connectrpc/connect-node";
import { createServer, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RuntimeService } from "../../gen/actionsd/runtime/v1/runtime_service_pb.js";
import { createRuntimeService } from "../../src/api/runtime-service.js";
import { callerKey } from "../../src/auth/caller.js";
import type {
  ExecutionEntry,
  RuntimeTarget,
} from "../../src/domain/execution-snapshot.js";
import { createExecutionIndex } from "../../src/runtime/execution-index.js";
import { createTargetCaller } from "../../src/runtime/target-caller.js";
import { testCaller } from "./intercepted-server.js";
import { startReceiver, type Receiver } from "./receiver.js";
import { runtimeTarget } from "./runtime-target.js";
import { codeOf } from "../support/call-code.js";

describe("createRuntimeService()", { timeout: 20_000 }, () => {
  let receiver: Receiver;
  let close: () => Promise<void>;
  let clients: Record<"grpc" | "connect", Client<typeof RuntimeService>>;
  let executions: Record<string, ExecutionEntry[]> = {};
  let targets: RuntimeTarget[] = [];
  const index = createExecutionIndex({
    load: () => ({
      executions: new Map(Object.entries(executions)),
      targets: new Map(targets.map((t) => [t.id, t])),
    }),
  });
  const set = (e: typeof executions, t: RuntimeTarget[]) => {
    executions = e;
    targets = t;
    index.onChange(testCaller.instanceId);
  };
  const caller = createTargetCaller();

  before(async () => {
    receiver = await startReceiver();
    const authenticate: Interceptor = (next) => (req) => {
      req.contextValues.set(callerKey, testCaller);
      return next(req);
    };
    const server = createServer(
      connectNodeAdapter({
        interceptors: [authenticate],
        routes: (router) =>
          router.service(
            RuntimeService,
            createRuntimeService({
              functions: ["preaccesstoken", "preuserinfo"],
              index,
              caller,
            }),
          ),
      }),
    );
    const sessions = new Set<Http2Session>();
    server.on("session", (s: Http2Session) => sessions.add(s));
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve()),
    );
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    clients = {
      grpc: createClient(RuntimeService, createGrpcTransport({ baseUrl })),
      connect: createClient(
        RuntimeService,
        createConnectTransport({ baseUrl, httpVersion: "2" }),
      ),
    };
    close = async () => {
      await caller.drain();
      await caller.close();
      for (const s of sessions) {
        s.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });
  after(async () => {
    await close();
    await receiver.close();
  });

  for (const protocol of ["grpc", "connect"] as const) {
    it(`runs a chain of two call targets over ${protocol}`, async () => {
      const [first, second] = [`/first-${protocol}`, `/second-${protocol}`];
      receiver.answer(first, {
        status: 200,
        body: '{"claims":{"role":"a"},"step":1}',
      });
      receiver.answer(second, { status: 200, body: '{"claims":{"role":"b"},"step":2}' });
      const t1 = runtimeTarget(`${receiver.url}${first}`, { type: "call" });
      const t2 = runtimeTarget(`${receiver.url}${second}`, { type: "call" });
      set({ "function/preaccesstoken": [{ targetId: t1.id }, { targetId: t2.id }] }, [t1, t2]);
      const res = await clients[protocol].callFunction({
        name: "preaccesstoken",
        payload: { user: "u1" },
      });
      assert.deepEqual(res.payload, { claims: { role: "b" }, step: 2 });
      const one = JSON.parse((await receiver.waitFor(first)).body);
      assert.deepEqual(one, {
        function: "preaccesstoken",
        instanceID: testCaller.instanceId,
        orgID: testCaller.orgId,
        userID: testCaller.userId,
        payload: { user: "u1" },
      });
      const two = JSON.parse((await receiver.waitFor(second)).body);
      assert.deepEqual(two.payload, { claims: { role: "a" }, step: 1 });
    });
  }

  it("answers the payload unchanged without an execution", async () => {
    set({}, []);
    const res = await clients.grpc.callFunction({
      name: "preuserinfo",
      payload: { keep: [1, "two", null] },
    });
    assert.deepEqual(res.payload, { keep: [1, "two", null] });
  });

  it("lets webhook and async targets see but not change the payload", async () => {
    receiver.answer("/fn-webhook", { status: 200, body: '{"changed":true}' });
    receiver.answer("/fn-async", { status: 200, body: '{"changed":true}' });
    const t1 = runtimeTarget(`${receiver.url}/fn-webhook`);
    const t2 = runtimeTarget(`${receiver.url}/fn-async`, { type: "async" });
    set({ "function/preuserinfo": [{ targetId: t1.id }, { targetId: t2.id }] }, [t1, t2]);
    const res = await clients.connect.callFunction({
      name: "preuserinfo",
      payload: { a: "b" },
    });
    assert.deepEqual(res.payload, { a: "b" });
    for (const p of ["/fn-webhook", "/fn-async"]) {
      assert.deepEqual(JSON.parse((await receiver.waitFor(p)).body).payload, {
        a: "b",
      });
    }
  });

  it("fails when a call target with interrupt answers no object", async () => {
    receiver.answer("/fn-array", { status: 200, body: "[1,2]" });
    const t = runtimeTarget(`${receiver.url}/fn-array`, {
      type: "call",
      interruptOnError: true,
    });
    set({ "function/preuserinfo": [{ targetId: t.id }] }, [t]);
    assert.equal(
      await codeOf(clients.grpc.callFunction({ name: "preuserinfo", payload: {} })),
      Code.Unknown,
    );
  });

  it("answers NotFound for a name that is not a function", async () => {
    assert.equal(
      await codeOf(clients.grpc.callFunction({ name: "nope", payload: {} })),
      Code.NotFound,
    );
  });
});
