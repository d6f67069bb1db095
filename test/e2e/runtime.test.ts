import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Webhook } from "standardwebhooks";
import { RuntimeService } from "../../gen/actionsd/runtime/v1/runtime_service_pb.js";
import {
  authHeaders,
  authInterceptor,
  createActionClient,
  transportKinds,
} from "../support/clients.js";
import { cliPath, startServer, type TestServer } from "../support/start-server.js";
import { startReceiver, type Receiver } from "../runtime/receiver.js";
import { verifyZitadelSignature } from "../runtime/verify-signature.js";
import { codeOf } from "../support/call-code.js";

const getTarget = "/zitadel.action.v3alpha.ActionService/GetTargetByID";

function runCli(...args: string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { timeout: 10_000 }, (error) =>
      resolve(error === null ? 0 : Number(error.code ?? -1)),
    );
  });
}

describe("executions end to end", { timeout: 60_000 }, () => {
  let server: TestServer;
  let receiver: Receiver;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  const client = () => createActionClient(server, "connect-json-2");
  const timeout = { seconds: 5n, nanos: 0 };

  it("rewrites the request and the response of GetTargetByID on every protocol", async () => {
    const real = await client().createTarget({
      name: "real",
      targetType: { case: "restWebhook", value: {} },
      timeout,
      endpoint: "https://example.com/real",
    });
    receiver.answer("/rewrite-request", {
      status: 200,
      body: JSON.stringify({ targetId: real.id }),
    });
    receiver.answer("/rewrite-response", (_req, res, body) => {
      const seen = JSON.parse(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          target: {
            ...seen.response.target,
            name: `rewritten:${seen.request.targetId}`,
          },
        }),
      );
    });
    const requestTarget = await client().createTarget({
      name: "rewrite-request",
      targetType: { case: "restCall", value: { interruptOnError: true } },
      timeout,
      endpoint: `${receiver.url}/rewrite-request`,
    });
    const responseTarget = await client().createTarget({
      name: "rewrite-response",
      targetType: { case: "restCall", value: { interruptOnError: true } },
      timeout,
      endpoint: `${receiver.url}/rewrite-response`,
    });
    await client().setExecution({
      condition: { conditionType: { case: "request", value: { condition: { case: "method", value: getTarget } } } },
      targets: [{ type: { case: "target", value: requestTarget.id } }],
    });
    await client().setExecution({
      condition: { conditionType: { case: "response", value: { condition: { case: "method", value: getTarget } } } },
      targets: [{ type: { case: "target", value: responseTarget.id } }],
    });

    for (const kind of transportKinds) {
      const answer = await createActionClient(server, kind).getTargetByID({
        targetId: "asked-for-something-else",
      });
      assert.equal(answer.target?.targetId, real.id, kind);
      assert.equal(answer.target?.name, `rewritten:${real.id}`, kind);
    }
    const rest = await fetch(`${server.baseUrl}/v3alpha/targets/nothing`, {
      headers: authHeaders(server),
    });
    assert.equal(rest.status, 200);
    const restBody = (await rest.json()) as { target: { name: string } };
    assert.equal(restBody.target.name, `rewritten:${real.id}`);

    // The receiver checks the signatures with the key CreateTarget gave.
    const got = await receiver.waitFor("/rewrite-response");
    const headers = got.headers as Record<string, string>;
    new Webhook(responseTarget.signingKey).verify(got.body, headers);
    assert.equal(
      verifyZitadelSignature(headers["zitadel-signature"]!, got.body, responseTarget.signingKey),
      true,
    );
    assert.throws(() =>
      new Webhook(responseTarget.signingKey).verify(`${got.body} `, headers),
    );

    await client().deleteExecution({
      condition: { conditionType: { case: "request", value: { condition: { case: "method", value: getTarget } } } },
    });
    await client().deleteExecution({
      condition: { conditionType: { case: "response", value: { condition: { case: "method", value: getTarget } } } },
    });
  });

  it("fires a new execution on the very next call", async () => {
    const hook = await client().createTarget({
      name: "next-call",
      targetType: { case: "restWebhook", value: {} },
      timeout,
      endpoint: `${receiver.url}/next-call`,
    });
    await client().setExecution({
      condition: { conditionType: { case: "request", value: { condition: { case: "method", value: "/zitadel.action.v3alpha.ActionService/ListTargets" } } } },
      targets: [{ type: { case: "target", value: hook.id } }],
    });
    await client().listTargets({});
    assert.equal(receiver.received.filter((r) => r.path === "/next-call").length, 1);
    await client().deleteExecution({
      condition: { conditionType: { case: "request", value: { condition: { case: "method", value: "/zitadel.action.v3alpha.ActionService/ListTargets" } } } },
    });
  });

  it("refuses a denied literal address at create", async () => {
    assert.equal(
      await codeOf(
        client().createTarget({
          name: "metadata",
          targetType: { case: "restWebhook", value: {} },
          timeout,
          endpoint: "http://169.254.169.254/latest/meta-data",
        }),
      ),
      Code.InvalidArgument,
    );
  });

  it("runs a function chain over gRPC and REST", async () => {
    receiver.answer("/fn-1", { status: 200, body: '{"step":1}' });
    receiver.answer("/fn-2", (_req, res, body) => {
      const seen = JSON.parse(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ step: seen.payload.step + 1, claims: { a: 1 } }));
    });
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const created = await client().createTarget({
        name: `fn-${n}`,
        targetType: { case: "restCall", value: { interruptOnError: true } },
        timeout,
        endpoint: `${receiver.url}/fn-${n}`,
      });
      ids.push(created.id);
    }
    await client().setExecution({
      condition: { conditionType: { case: "function", value: "preaccesstoken" } },
      targets: ids.map((id) => ({ type: { case: "target" as const, value: id } })),
    });
    const runtime = createClient(
      RuntimeService,
      createGrpcTransport({
        baseUrl: server.baseUrl,
        interceptors: [authInterceptor(server)],
      }),
    );
    const res = await runtime.callFunction({ name: "preaccesstoken", payload: { user: "u" } });
    assert.deepEqual(res.payload, { step: 2, claims: { a: 1 } });

    const rest = await fetch(`${server.baseUrl}/v1/functions/preaccesstoken:call`, {
      method: "POST",
      headers: { ...authHeaders(server), "content-type": "application/json" },
      body: JSON.stringify({ payload: { user: "u" } }),
    });
    assert.equal(rest.status, 200);
    assert.deepEqual(await rest.json(), { payload: { step: 2, claims: { a: 1 } } });

    const unknown = await fetch(`${server.baseUrl}/v1/functions/nope:call`, {
      method: "POST",
      headers: { ...authHeaders(server), "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(unknown.status, 404);
  });

  it("lets the command line remove an execution that blocks every call", async () => {
    receiver.answer("/gate", { status: 403 });
    const gate = await client().createTarget({
      name: "gate",
      targetType: { case: "restWebhook", value: { interruptOnError: true } },
      timeout,
      endpoint: `${receiver.url}/gate`,
    });
    const condition = { request: { service: "zitadel.action.v3alpha.ActionService" } };
    await client().setExecution({
      condition: { conditionType: { case: "request", value: { condition: { case: "service", value: "zitadel.action.v3alpha.ActionService" } } } },
      targets: [{ type: { case: "target", value: gate.id } }],
    });
    assert.equal(await codeOf(client().listTargets({})), Code.PermissionDenied);
    assert.equal(
      await codeOf(client().deleteExecution({ condition: { conditionType: { case: "request", value: { condition: { case: "service", value: "zitadel.action.v3alpha.ActionService" } } } } })),
      Code.PermissionDenied,
    );

    const code = await runCli(
      "execution", "delete", "--data", server.dataDir,
      "--condition", JSON.stringify(condition),
    );
    assert.equal(code, 0);
    await client().listTargets({});
  });
});
