import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { startServer, type TestServer } from "../support/start-server.js";

const getTarget = "/zitadel.action.v3alpha.ActionService/GetTargetByID";

// Log lines are written as they happen but read from the process's
// output; wait a bounded time for the nth line with this message.
async function logLines(
  server: TestServer,
  msg: string,
  count: number,
): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === msg);
    if (lines.length >= count || Date.now() > deadline) {
      return lines;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function grpcCallWithBadBytes(baseUrl: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": getTarget,
      "content-type": "application/grpc",
      te: "trailers",
      authorization: `Bearer ${token}`,
    });
    stream.on("error", reject);
    stream.resume();
    stream.on("close", () => {
      session.close();
      resolve();
    });
    // One envelope whose message is not protobuf: tag 0 is invalid.
    stream.end(Buffer.from([0, 0, 0, 0, 2, 0, 0]));
  });
}

describe("refused requests", { timeout: 30_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  it("log one refused line each, with status and without the body", async () => {
    const secret = "do-not-log-this-body";
    const wrongType = await fetch(`${server.baseUrl}${getTarget}?q=${secret}`, {
      method: "POST",
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: secret,
    });
    assert.equal(wrongType.status, 415);
    await wrongType.arrayBuffer();
    const noRoute = await fetch(`${server.baseUrl}/v3alpha/nowhere`);
    assert.equal(noRoute.status, 404);
    await noRoute.arrayBuffer();
    await grpcCallWithBadBytes(server.baseUrl, server.adminToken);

    const refused = await logLines(server, "refused", 3);
    assert.equal(refused.length, 3, server.output());
    assert.deepEqual(
      refused.map(({ method, path, content_type, status, grpc_status }) => ({
        method, path, content_type, status, grpc_status,
      })),
      [
        { method: "POST", path: getTarget, content_type: "text/plain",
          status: 415, grpc_status: undefined },
        { method: "GET", path: "/v3alpha/nowhere", content_type: undefined,
          status: 404, grpc_status: undefined },
        { method: "POST", path: getTarget, content_type: "application/grpc",
          status: 200, grpc_status: 3 },
      ],
    );
    assert.ok(refused.every((line) => typeof line.duration_ms === "number"));
    assert.ok(!server.output().includes(secret));
  });

  it("leave calls that reached the interceptors to the call line", async () => {
    const before = (await logLines(server, "refused", 0)).length;
    const calls = (await logLines(server, "call", 0)).length;
    const response = await fetch(
      `${server.baseUrl}/zitadel.action.v3alpha.ActionService/ListExecutionMethods`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${server.adminToken}`,
        },
        body: "{}",
      },
    );
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    const rest = await fetch(`${server.baseUrl}/v3alpha/executions/methods`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    await rest.arrayBuffer();
    assert.equal((await logLines(server, "call", calls + 2)).length, calls + 2);
    assert.equal((await logLines(server, "refused", 0)).length, before);
  });
});
