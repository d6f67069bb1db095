import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mintToken } from "../support/cli-admin.js";
import { authHeaders, createActionClient } from "../support/clients.js";
import { startServer, type TestServer } from "../support/start-server.js";
import { startReceiver, type Receiver } from "../runtime/receiver.js";

const createTarget = "/zitadel.action.v3alpha.ActionService/CreateTarget";

function logLines(server: TestServer): Record<string, unknown>[] {
  return server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// Log lines come from the server process; wait a bounded time for one.
async function waitForLine(
  server: TestServer,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const line = logLines(server).find(match);
    if (line !== undefined || Date.now() > deadline) {
      return line;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("authorization before input checks", { timeout: 60_000 }, () => {
  let server: TestServer;
  let receiver: Receiver;
  let viewer: string;

  before(async () => {
    receiver = await startReceiver();
    server = await startServer();
    viewer = await mintToken(server.dataDir, ["IAM_OWNER_VIEWER"]);
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  const rest = (token: string | undefined, body: string) =>
    fetch(`${server.baseUrl}/v3alpha/targets`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });

  for (const [name, body] of [
    ["a body that is not JSON", "not json"],
    ["an unknown field", '{"bogus": 1}'],
  ] as const) {
    it(`REST answers 401, 403, then 400 for ${name}`, async () => {
      const anonymous = await rest(undefined, body);
      assert.equal(anonymous.status, 401, await anonymous.text());
      const forViewer = await rest(viewer, body);
      assert.equal(forViewer.status, 403, await forViewer.text());
      const forAdmin = await rest(server.adminToken, body);
      const answer = await forAdmin.text();
      assert.equal(forAdmin.status, 400, answer);
      assert.equal((JSON.parse(answer) as { code: number }).code, 3);
    });
  }

  it("runs no handler and no execution for a probe", async () => {
    const client = createActionClient(server, "connect-json-2");
    const hook = await client.createTarget({
      name: "watch-create",
      targetType: { case: "restWebhook", value: { interruptOnError: true } },
      timeout: { seconds: 5n, nanos: 0 },
      endpoint: `${receiver.url}/create`,
    });
    await client.setExecution({
      condition: {
        conditionType: {
          case: "request",
          value: { condition: { case: "method", value: createTarget } },
        },
      },
      targets: [{ type: { case: "target", value: hook.id } }],
    });
    const before = (await client.listTargets({})).details?.totalResult;
    const seen = receiver.received.length;

    for (const auth of [{}, authHeaders(server)]) {
      const res = await fetch(`${server.baseUrl}${createTarget}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: '{"name": "x", "bogus": true}',
        signal: AbortSignal.timeout(10_000),
      });
      assert.notEqual(res.status, 200);
      await res.arrayBuffer();
    }

    assert.equal((await client.listTargets({})).details?.totalResult, before);
    assert.equal(receiver.received.length, seen);
  });

  it("logs a rejected probe as the call and a passed one as refused", async () => {
    const requestId = `probe-${Date.now()}`;
    const send = (auth: Record<string, string>, id: string) =>
      fetch(`${server.baseUrl}${createTarget}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-request-id": id,
          ...auth,
        },
        body: "{",
        signal: AbortSignal.timeout(10_000),
      }).then((res) => res.arrayBuffer());
    const refusedBefore = logLines(server).filter(
      (line) =>
        line.msg === "refused" &&
        line.path === createTarget &&
        line.status === 400,
    ).length;
    await send({}, `${requestId}-anonymous`);
    await send(authHeaders(server), `${requestId}-admin`);

    const rejected = await waitForLine(
      server,
      (line) => line.request_id === `${requestId}-anonymous`,
    );
    assert.equal(rejected?.msg, "call");
    assert.equal(rejected?.code, "Unauthenticated");
    const refusals = () =>
      logLines(server).filter(
        (line) =>
          line.msg === "refused" &&
          line.path === createTarget &&
          line.status === 400,
      ).length;
    const deadline = Date.now() + 5_000;
    while (refusals() === refusedBefore && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(refusals(), refusedBefore + 1, "the passed probe is refused");
    assert.equal(
      logLines(server).some((line) => line.request_id === `${requestId}-admin`),
      false,
      "a passed probe writes no call line",
    );
  });
});
