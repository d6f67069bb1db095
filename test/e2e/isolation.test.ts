import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import type {
  Condition,
  Execution,
} from "../../gen/zitadel/action/v3alpha/execution_pb.js";
import { TextQueryMethod } from "../../gen/zitadel/object/v2/object_pb.js";
import { startServer, type TestServer } from "../support/start-server.js";
import { addInstance, mintToken, setActions } from "../support/cli-admin.js";
import { createHostClient, http1Request } from "../support/host-requests.js";

// A is the default instance (domain localhost), B the one added here. Both
// get the same target names and execution conditions. Only function
// conditions are used: they run when a caller asks, and nothing here does.
const hostA = "localhost";
const hostB = "tenant-b.test";
const sharedName = "shared-hook";

type ActionClient = Client<typeof ActionService>;

function targetInit(name: string) {
  return {
    name,
    targetType: {
      case: "restCall" as const,
      value: { interruptOnError: false },
    },
    timeout: { seconds: 10n },
    endpoint: "https://example.com/hook",
  };
}

function onFunction(
  name: string,
): { conditionType: Condition["conditionType"] } {
  return { conditionType: { case: "function", value: name } };
}

function toTarget(id: string) {
  return { type: { case: "target" as const, value: id } };
}

function toInclude(functionName: string) {
  return {
    type: { case: "include" as const, value: onFunction(functionName) },
  };
}

// An execution as "<kind>/<value> -> entries", comparable with deepEqual.
function describeExecution(execution: Execution): string {
  const condition = execution.condition?.conditionType;
  const entries = execution.targets.map((entry) =>
    entry.type.case === "target"
      ? entry.type.value
      : `include:${String(entry.type.value?.conditionType.value)}`,
  );
  const kind = `${condition?.case}/${String(condition?.value)}`;
  return `${kind} -> ${entries.join(",")}`;
}

async function assertCode(call: Promise<unknown>, code: Code): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, code, `${Code[error.code]}: ${error.message}`);
    return true;
  });
}

async function targetIds(client: ActionClient): Promise<string[]> {
  const res = await client.listTargets({ query: { limit: 1000, asc: true } });
  return res.result.map((target) => target.targetId).sort();
}

async function executions(client: ActionClient): Promise<string[]> {
  const res = await client.listExecutions({ query: { limit: 1000 } });
  return res.result.map(describeExecution).sort();
}

describe("tenant isolation between two instances", { timeout: 60_000 }, () => {
  let server: TestServer;
  let a: ActionClient;
  let b: ActionClient;
  let instanceA: string;
  let instanceB: string;
  // Target ids per instance: the shared name, and one more of A only.
  let sharedA: string;
  let onlyA: string;
  let sharedB: string;
  let viewerB: string;

  before(async () => {
    server = await startServer();
    instanceB = await addInstance(server.dataDir, "tenant-b", [hostB]);
    const [ownerB, viewer] = await Promise.all([
      mintToken(server.dataDir, ["IAM_OWNER"], hostB),
      mintToken(server.dataDir, ["IAM_OWNER_VIEWER"], hostB),
    ]);
    viewerB = viewer;
    // Different protocols per instance, so routing does not hinge on one.
    a = createHostClient(
      hostA,
      server.port,
      "connect-binary-2",
      server.adminToken,
    );
    b = createHostClient(hostB, server.port, "grpc", ownerB);

    const createdA = await a.createTarget(targetInit(sharedName));
    instanceA = createdA.details?.resourceOwner ?? "";
    sharedA = createdA.id;
    onlyA = (await a.createTarget(targetInit("a-only"))).id;
    sharedB = (await b.createTarget(targetInit(sharedName))).id;

    await a.setExecution({
      condition: onFunction("preuserinfo"),
      targets: [toTarget(sharedA)],
    });
    await a.setExecution({
      condition: onFunction("preaccesstoken"),
      targets: [toInclude("preuserinfo"), toTarget(onlyA)],
    });
    await b.setExecution({
      condition: onFunction("preuserinfo"),
      targets: [toTarget(sharedB)],
    });
  });
  after(async () => {
    await server?.stop();
  });
  const onlyOwnAtB = () => `function/preuserinfo -> ${sharedB}`;

  it("allows the same target name in both, owned by each", async () => {
    assert.notEqual(sharedA, sharedB);
    assert.notEqual(instanceA, "");
    assert.notEqual(instanceA, instanceB);
    const gotA = await a.getTargetByID({ targetId: sharedA });
    const gotB = await b.getTargetByID({ targetId: sharedB });
    assert.equal(gotA.target?.name, sharedName);
    assert.equal(gotB.target?.name, sharedName);
    assert.equal(gotA.target?.details?.resourceOwner, instanceA);
    assert.equal(gotB.target?.details?.resourceOwner, instanceB);
  });

  it("lists only each instance's own targets", async () => {
    assert.deepEqual(await targetIds(a), [sharedA, onlyA].sort());
    assert.deepEqual(await targetIds(b), [sharedB]);
    const byName = await b.listTargets({
      queries: [{
        query: {
          case: "targetNameQuery",
          value: {
            targetName: sharedName,
            method: TextQueryMethod.EQUALS,
          },
        },
      }],
    });
    assert.deepEqual(byName.result.map((t) => t.targetId), [sharedB]);
    assert.equal(byName.details?.totalResult, 1n);
    const byIds = await b.listTargets({
      queries: [{
        query: {
          case: "inTargetIdsQuery",
          value: { targetIds: [sharedA, onlyA] },
        },
      }],
    });
    assert.equal(byIds.result.length, 0);
    assert.equal(byIds.details?.totalResult, 0n);
  });

  it("answers NotFound to a get of the other instance's target", async () => {
    await assertCode(b.getTargetByID({ targetId: sharedA }), Code.NotFound);
    await assertCode(b.getTargetByID({ targetId: onlyA }), Code.NotFound);
    await assertCode(a.getTargetByID({ targetId: sharedB }), Code.NotFound);
    const rest = await http1Request({
      port: server.port,
      host: `${hostB}:${server.port}`,
      method: "GET",
      path: `/v3alpha/targets/${onlyA}`,
      token: viewerB,
    });
    assert.equal(rest.status, 404, JSON.stringify(rest.json));
    assert.equal((rest.json as { code: number }).code, Code.NotFound);
  });

  it("answers NotFound to an update of the other instance's target", async () => {
    await assertCode(
      b.updateTarget({ targetId: onlyA, name: "taken-over" }),
      Code.NotFound,
    );
    const got = await a.getTargetByID({ targetId: onlyA });
    assert.equal(got.target?.name, "a-only");
  });

  it("lists only each instance's own executions", async () => {
    assert.deepEqual(await executions(a), [
      `function/preaccesstoken -> include:preuserinfo,${onlyA}`,
      `function/preuserinfo -> ${sharedA}`,
    ]);
    assert.deepEqual(await executions(b), [onlyOwnAtB()]);
  });

  it("finds no execution of the other instance by target or include", async () => {
    const byTarget = (client: ActionClient, targetId: string) =>
      client.listExecutions({
        queries: [{ query: { case: "targetQuery", value: { targetId } } }],
      });
    assert.equal((await byTarget(b, sharedA)).result.length, 0);
    assert.equal((await byTarget(b, onlyA)).result.length, 0);
    assert.equal((await byTarget(a, sharedA)).result.length, 1);
    const byInclude = (client: ActionClient) =>
      client.listExecutions({
        queries: [{
          query: {
            case: "includeQuery",
            value: { include: onFunction("preuserinfo") },
          },
        }],
      });
    assert.equal((await byInclude(b)).result.length, 0);
    assert.equal((await byInclude(a)).result.length, 1);
  });

  it("answers NotFound to SetExecution naming the other instance's target", async () => {
    await assertCode(
      b.setExecution({
        condition: onFunction("preuserinfo"),
        targets: [toTarget(onlyA)],
      }),
      Code.NotFound,
    );
    await assertCode(
      b.setExecution({
        condition: onFunction("presamlresponse"),
        targets: [toTarget(sharedA)],
      }),
      Code.NotFound,
    );
    assert.deepEqual(await executions(b), [onlyOwnAtB()]);
  });

  it("answers NotFound to an include of an execution set only at the other", async () => {
    // preaccesstoken exists at A only.
    await assertCode(
      b.setExecution({
        condition: onFunction("presamlresponse"),
        targets: [toInclude("preaccesstoken")],
      }),
      Code.NotFound,
    );
    assert.deepEqual(await executions(b), [onlyOwnAtB()]);
  });

  it("answers NotFound to a delete of an execution set only at the other", async () => {
    await assertCode(
      b.deleteExecution({ condition: onFunction("preaccesstoken") }),
      Code.NotFound,
    );
    assert.equal((await executions(a)).length, 2);
  });

  it("answers NotFound to a delete of the other instance's target", async () => {
    await assertCode(b.deleteTarget({ targetId: sharedA }), Code.NotFound);
    await assertCode(b.deleteTarget({ targetId: onlyA }), Code.NotFound);
    const got = await a.getTargetByID({ targetId: sharedA });
    assert.equal(got.target?.name, sharedName);
    assert.deepEqual(await targetIds(a), [sharedA, onlyA].sort());
    assert.equal((await executions(a)).length, 2);
  });

  it("feature off at B leaves A working", async () => {
    await setActions(server.dataDir, hostB, false);
    try {
      await assertCode(b.listTargets({}), Code.FailedPrecondition);
      assert.deepEqual(await targetIds(a), [sharedA, onlyA].sort());
    } finally {
      await setActions(server.dataDir, hostB, true);
    }
    assert.deepEqual(await targetIds(b), [sharedB]);
  });

  it("deleting B's target of the shared name leaves A's and its executions", async () => {
    await b.deleteTarget({ targetId: sharedB });
    assert.deepEqual(await targetIds(b), []);
    // B's execution lost its only target and went with it.
    assert.deepEqual(await executions(b), []);
    const got = await a.getTargetByID({ targetId: sharedA });
    assert.equal(got.target?.name, sharedName);
    assert.deepEqual(await executions(a), [
      `function/preaccesstoken -> include:preuserinfo,${onlyA}`,
      `function/preuserinfo -> ${sharedA}`,
    ]);
    // The name is free again at B, still taken at A.
    await b.createTarget(targetInit(sharedName));
    await assertCode(
      a.createTarget(targetInit(sharedName)),
      Code.AlreadyExists,
    );
  });
});
