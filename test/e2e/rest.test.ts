import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Code } from "@connectrpc/connect";
import { cliPath, startServer, type TestServer } from "../support/start-server.js";
import {
  connectCall,
  restCall,
  runCurl,
  type RestAnswer,
  type StatusJson,
} from "../rest/rest-client.js";
import { http2Request } from "../rest/path-test-server.js";

const service = "zitadel.action.v3alpha.ActionService";
const errorDetailType = "type.googleapis.com/zitadel.v1.ErrorDetail";

// Conditions that never fire during the test: functions run only when a
// caller asks for them, and nothing here does.
const functionCondition = { function: "preuserinfo" };
const otherFunctionCondition = { function: "preaccesstoken" };

let counter = 0;
function uniqueName(): string {
  counter++;
  return `rest-${counter}-${Date.now()}`;
}

function targetBody(name: string) {
  return {
    name,
    restWebhook: { interruptOnError: false },
    timeout: "10s",
    endpoint: "https://example.com/hook",
  };
}

function assertStatusJson(answer: RestAnswer, status: number, code: Code) {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  const json = answer.json as StatusJson;
  assert.equal(json.code, code);
  assert.equal(typeof json.message, "string");
  assert.ok(Array.isArray(json.details));
}

// Details differ in their change date between two writes, nothing else.
function withoutChangeDate(json: unknown): unknown {
  return JSON.parse(JSON.stringify(json), (key, value) =>
    key === "changeDate" ? undefined : value,
  );
}

async function mintToken(server: TestServer, role: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cliPath, "token", "--data", server.dataDir, "--role", role],
    { timeout: 10_000 },
  );
  return stdout.trim();
}

describe("REST on the real server", { timeout: 60_000 }, () => {
  let server: TestServer;
  let token: string;
  // Minted once, awaited only by the tests that need it, so that a failure
  // to mint fails those tests and not the whole suite.
  let viewerToken: () => Promise<string>;
  before(async () => {
    server = await startServer();
    token = server.adminToken;
    const minted = mintToken(server, "IAM_OWNER_VIEWER");
    minted.catch(() => {});
    viewerToken = () => minted;
  });
  after(async () => {
    await server?.stop();
  });
  const rest = (method: string, path: string, body?: unknown, as = token) =>
    restCall(server.baseUrl, method, path, { token: as, body });
  const connect = (rpc: string, body: unknown) =>
    connectCall(server.baseUrl, rpc, token, body);

  describe("each RPC answers on its REST path as over Connect", () => {
    let targetId = "";

    it("CreateTarget: POST /v3alpha/targets answers 201", async () => {
      const viaRest = await rest("POST", "/v3alpha/targets", targetBody(uniqueName()));
      const viaConnect = await connect("CreateTarget", targetBody(uniqueName()));
      assert.equal(viaRest.status, 201, JSON.stringify(viaRest.json));
      assert.equal(viaConnect.status, 200);
      const a = viaRest.json as Record<string, unknown>;
      const b = viaConnect.json as Record<string, unknown>;
      assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
      assert.match(String(a.id), /^\d+$/);
      assert.match(String(a.signingKey), /^whsec_/);
      targetId = String(a.id);
    });

    it("GetTargetByID: GET /v3alpha/targets/{target_id}", async () => {
      const viaRest = await rest("GET", `/v3alpha/targets/${targetId}`);
      const viaConnect = await connect("GetTargetByID", { targetId });
      assert.equal(viaRest.status, 200);
      assert.deepEqual(viaRest.json, viaConnect.json);
    });

    it("UpdateTarget: PUT /v3alpha/targets/{target_id}", async () => {
      const change = { endpoint: "https://example.com/other" };
      const viaRest = await rest("PUT", `/v3alpha/targets/${targetId}`, change);
      assert.equal(viaRest.status, 200, JSON.stringify(viaRest.json));
      // The same change again writes nothing and answers the same details.
      const viaConnect = await connect("UpdateTarget", { targetId, ...change });
      assert.deepEqual(viaRest.json, viaConnect.json);
    });

    it("ListTargets: POST /v3alpha/targets/search", async () => {
      const query = { queries: [{ inTargetIdsQuery: { targetIds: [targetId] } }] };
      const viaRest = await rest("POST", "/v3alpha/targets/search", query);
      const viaConnect = await connect("ListTargets", query);
      assert.equal(viaRest.status, 200);
      assert.deepEqual(viaRest.json, viaConnect.json);
      assert.equal((viaRest.json as { result: unknown[] }).result.length, 1);
    });

    it("SetExecution: PUT /v3alpha/executions", async () => {
      const set = { condition: functionCondition, targets: [{ target: targetId }] };
      const viaRest = await rest("PUT", "/v3alpha/executions", set);
      assert.equal(viaRest.status, 200, JSON.stringify(viaRest.json));
      const viaConnect = await connect("SetExecution", set);
      assert.deepEqual(viaRest.json, viaConnect.json);
    });

    it("ListExecutions: POST /v3alpha/executions/search", async () => {
      const query = { queries: [{ targetQuery: { targetId } }] };
      const viaRest = await rest("POST", "/v3alpha/executions/search", query);
      const viaConnect = await connect("ListExecutions", query);
      assert.equal(viaRest.status, 200);
      assert.deepEqual(viaRest.json, viaConnect.json);
    });

    it("DeleteExecution: DELETE /v3alpha/executions with a body", async () => {
      const other = { condition: otherFunctionCondition, targets: [{ target: targetId }] };
      assert.equal((await connect("SetExecution", other)).status, 200);
      const viaRest = await rest("DELETE", "/v3alpha/executions", {
        condition: functionCondition,
      });
      const viaConnect = await connect("DeleteExecution", {
        condition: otherFunctionCondition,
      });
      assert.equal(viaRest.status, 200, JSON.stringify(viaRest.json));
      assert.deepEqual(withoutChangeDate(viaRest.json), withoutChangeDate(viaConnect.json));
    });

    for (const [rpc, path] of [
      ["ListExecutionFunctions", "/v3alpha/executions/functions"],
      ["ListExecutionMethods", "/v3alpha/executions/methods"],
      ["ListExecutionServices", "/v3alpha/executions/services"],
    ]) {
      it(`${rpc}: GET ${path}`, async () => {
        const viaRest = await rest("GET", path);
        const viaConnect = await connect(rpc, {});
        assert.equal(viaRest.status, 200);
        assert.deepEqual(viaRest.json, viaConnect.json);
      });
    }

    it("DeleteTarget: DELETE /v3alpha/targets/{target_id}", async () => {
      const second = await connect("CreateTarget", targetBody(uniqueName()));
      const secondId = (second.json as { id: string }).id;
      // The first target was changed once; the same for the second, so
      // both deletes write sequence 3.
      const change = { targetId: secondId, endpoint: "https://example.com/other" };
      assert.equal((await connect("UpdateTarget", change)).status, 200);
      const viaRest = await rest("DELETE", `/v3alpha/targets/${targetId}`);
      const viaConnect = await connect("DeleteTarget", { targetId: secondId });
      assert.equal(viaRest.status, 200, JSON.stringify(viaRest.json));
      assert.deepEqual(withoutChangeDate(viaRest.json), withoutChangeDate(viaConnect.json));
    });
  });

  describe("invalid input answers google.rpc.Status", () => {
    const rows: [string, string, string, unknown, number, Code][] = [
      ["CreateTarget without name", "POST", "/v3alpha/targets", { ...targetBody(""), name: "" }, 400, Code.InvalidArgument],
      ["CreateTarget with a wrong type", "POST", "/v3alpha/targets", { ...targetBody("x"), timeout: 5 }, 400, Code.InvalidArgument],
      ["UpdateTarget of a missing target", "PUT", "/v3alpha/targets/404404", { name: "n" }, 404, Code.NotFound],
      ["DeleteTarget of a missing target", "DELETE", "/v3alpha/targets/404404", undefined, 404, Code.NotFound],
      ["DeleteTarget with a body", "DELETE", "/v3alpha/targets/1", { targetId: "1" }, 400, Code.InvalidArgument],
      ["ListTargets over the limit", "POST", "/v3alpha/targets/search", { query: { limit: 5000 } }, 400, Code.InvalidArgument],
      ["GetTargetByID of a missing target", "GET", "/v3alpha/targets/404404", undefined, 404, Code.NotFound],
      ["GetTargetByID with an unknown parameter", "GET", "/v3alpha/targets/1?foo=1", undefined, 400, Code.InvalidArgument],
      ["SetExecution without condition", "PUT", "/v3alpha/executions", { targets: [{ target: "1" }] }, 400, Code.InvalidArgument],
      ["DeleteExecution of nothing set", "DELETE", "/v3alpha/executions", { condition: { event: { event: "never.set" } } }, 404, Code.NotFound],
      ["ListExecutions with an empty target id", "POST", "/v3alpha/executions/search", { queries: [{ targetQuery: { targetId: "" } }] }, 400, Code.InvalidArgument],
      ["ListExecutionFunctions with a parameter", "GET", "/v3alpha/executions/functions?x=1", undefined, 400, Code.InvalidArgument],
      ["ListExecutionMethods with a parameter", "GET", "/v3alpha/executions/methods?x=1", undefined, 400, Code.InvalidArgument],
      ["ListExecutionServices with a parameter", "GET", "/v3alpha/executions/services?x=1", undefined, 400, Code.InvalidArgument],
      ["a path no rule has", "GET", "/v3alpha/nothing", undefined, 404, Code.NotFound],
    ];
    for (const [name, method, path, body, status, code] of rows) {
      it(`${name}: ${status}`, async () => {
        assertStatusJson(await rest(method, path, body), status, code);
      });
    }

    it("answers 405 with Allow for a known path and another method", async () => {
      const answer = await rest("PATCH", "/v3alpha/targets/1");
      assert.equal(answer.status, 405);
      assert.equal(answer.headers.get("allow"), "DELETE, GET, PUT");
    });

    it("answers 401 with WWW-Authenticate: Bearer on every rule", async () => {
      for (const [method, path] of [
        ["POST", "/v3alpha/targets"],
        ["PUT", "/v3alpha/targets/1"],
        ["DELETE", "/v3alpha/targets/1"],
        ["POST", "/v3alpha/targets/search"],
        ["GET", "/v3alpha/targets/1"],
        ["PUT", "/v3alpha/executions"],
        ["DELETE", "/v3alpha/executions"],
        ["POST", "/v3alpha/executions/search"],
        ["GET", "/v3alpha/executions/functions"],
        ["GET", "/v3alpha/executions/methods"],
        ["GET", "/v3alpha/executions/services"],
      ]) {
        const hasBody = method !== "GET" && !(method === "DELETE" && path.includes("targets"));
        const answer = await restCall(server.baseUrl, method, path, {
          body: hasBody ? {} : undefined,
        });
        assertStatusJson(answer, 401, Code.Unauthenticated);
        assert.equal(answer.headers.get("www-authenticate"), "Bearer", path);
      }
    });

    it("answers 403 for a caller without the permission", async () => {
      const answer = await rest("POST", "/v3alpha/targets", targetBody(uniqueName()), await viewerToken());
      assertStatusJson(answer, 403, Code.PermissionDenied);
      const allowed = await rest("GET", "/v3alpha/executions/functions", undefined, await viewerToken());
      assert.equal(allowed.status, 200);
    });
  });

  it("runs the request-log interceptor: the request id comes back", async () => {
    for (const path of ["/v3alpha/executions/functions", "/v3alpha/targets/404404"]) {
      const response = await fetch(server.baseUrl + path, {
        headers: { authorization: `Bearer ${token}`, "x-request-id": "rest-e2e-1" },
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      assert.equal(response.headers.get("x-request-id"), "rest-e2e-1", path);
    }
  });

  it("serves REST over HTTP/2 on the same port", async () => {
    const headers = { authorization: `Bearer ${token}` };
    const listed = await http2Request(server.baseUrl, "GET", "/v3alpha/executions/functions", headers);
    assert.equal(listed.status, 200, listed.body);
    const viaConnect = await connect("ListExecutionFunctions", {});
    assert.deepEqual(JSON.parse(listed.body), viaConnect.json);
    const created = await http2Request(
      server.baseUrl,
      "POST",
      "/v3alpha/targets",
      { ...headers, "content-type": "application/json" },
      JSON.stringify(targetBody(uniqueName())),
    );
    assert.equal(created.status, 201, created.body);
    const missing = await http2Request(server.baseUrl, "GET", "/v3alpha/targets/404404", headers);
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).code, Code.NotFound);
  });

  describe("with curl", () => {
    const curl = (method: string, path: string, body?: unknown, as?: string) => {
      const args = ["-X", method, server.baseUrl + path];
      if (as !== undefined) {
        args.push("-H", `Authorization: Bearer ${as}`);
      }
      if (body !== undefined) {
        args.push("-H", "Content-Type: application/json", "--data-raw", JSON.stringify(body));
      }
      return runCurl(args);
    };

    it("runs the issue's DeleteExecution example: 200, 404, 403, 401", async () => {
      const created = await curl("POST", "/v3alpha/targets", targetBody(uniqueName()), token);
      assert.equal(created.status, 201);
      const target = (created.json as { id: string }).id;
      const condition = { request: { method: `/${service}/ListTargets` } };
      const set = await curl("PUT", "/v3alpha/executions", { condition, targets: [{ target }] }, token);
      assert.equal(set.status, 200, JSON.stringify(set.json));

      // Exactly the command of the issue, with the admin token.
      const example = [
        "-X", "DELETE", `${server.baseUrl}/v3alpha/executions`,
        "-H", "Content-Type: application/json",
        "-H", `Authorization: Bearer ${token}`,
        "--data-raw",
        '{"condition": {"request": {"method": "/zitadel.action.v3alpha.ActionService/ListTargets"}}}',
      ];
      const noToken = await curl("DELETE", "/v3alpha/executions", { condition });
      assertStatusJson(noToken, 401, Code.Unauthenticated);
      assert.equal(noToken.headers.get("www-authenticate"), "Bearer");
      const viewer = await curl("DELETE", "/v3alpha/executions", { condition }, await viewerToken());
      assertStatusJson(viewer, 403, Code.PermissionDenied);

      const deleted = await runCurl(example);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
      const details = (deleted.json as { details: Record<string, unknown> }).details;
      assert.equal(details.sequence, "2");
      assert.ok(!Number.isNaN(Date.parse(String(details.changeDate))));
      assert.equal(typeof details.resourceOwner, "string");
      assert.notEqual(details.resourceOwner, "");

      const again = await runCurl(example);
      assertStatusJson(again, 404, Code.NotFound);
      const status = again.json as StatusJson;
      assert.deepEqual(status.details, [
        { "@type": errorDetailType, id: "COMMAND-suq2upd3rt", message: "Errors.Execution.NotFound" },
      ]);
    });

    it("runs a curl example for every RPC", async () => {
      const created = await curl("POST", "/v3alpha/targets", targetBody(uniqueName()), token);
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const id = (created.json as { id: string }).id;
      const steps: [string, string, unknown, number][] = [
        ["GET", `/v3alpha/targets/${id}`, undefined, 200],
        ["PUT", `/v3alpha/targets/${id}`, { timeout: "5s" }, 200],
        ["POST", "/v3alpha/targets/search", { query: { limit: 10 } }, 200],
        ["PUT", "/v3alpha/executions", { condition: { function: "presamlresponse" }, targets: [{ target: id }] }, 200],
        ["POST", "/v3alpha/executions/search", {}, 200],
        ["GET", "/v3alpha/executions/functions", undefined, 200],
        ["GET", "/v3alpha/executions/methods", undefined, 200],
        ["GET", "/v3alpha/executions/services", undefined, 200],
        ["DELETE", "/v3alpha/executions", { condition: { function: "presamlresponse" } }, 200],
        ["DELETE", `/v3alpha/targets/${id}`, undefined, 200],
      ];
      for (const [method, path, body, status] of steps) {
        const answer = await curl(method, path, body, token);
        assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.json)}`);
      }
    });
  });
});
