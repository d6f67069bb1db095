import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import type { ConditionSchema } from "../../gen/zitadel/action/v3alpha/execution_pb.js";
import type {
  ExecutionType,
  TargetFieldName,
} from "../../gen/zitadel/action/v3alpha/query_pb.js";
import { ErrorDetailSchema } from "../../gen/zitadel/v1/error_detail_pb.js";
import { createHarness } from "./action-service-harness.js";

type Condition = MessageInitShape<typeof ConditionSchema>;
type ActionClient = Client<typeof ActionService>;

const method = (m: string): Condition => ({
  conditionType: { case: "request", value: { condition: { case: "method", value: m } } },
});
const service = (s: string): Condition => ({
  conditionType: { case: "request", value: { condition: { case: "service", value: s } } },
});
const event = (e: string): Condition => ({
  conditionType: { case: "event", value: { condition: { case: "event", value: e } } },
});
const target = (id: string) => ({ type: { case: "target" as const, value: id } });
const include = (c: Condition) => ({ type: { case: "include" as const, value: c } });
const hook = {
  name: "hook",
  endpoint: "https://example.com/hook",
  timeout: { seconds: 10n },
  targetType: { case: "restWebhook" as const, value: {} },
};
const served = "/zitadel.action.v3alpha.ActionService/ListTargets";

async function failure(call: Promise<unknown>): Promise<[Code, string | undefined]> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ConnectError, String(error));
    const [detail] = error.findDetails(ErrorDetailSchema);
    return [error.code, detail?.id];
  }
  assert.fail("call succeeded");
}

describe("ActionService errors (API.md section 4)", () => {
  const harness = createHarness();
  const client: ActionClient = harness.client();
  let targetId = "";

  before(async () => {
    targetId = (await client.createTarget(hook)).id;
    // Chain for the include rules: event/a -> event/b -> event/c.
    await client.setExecution({ condition: event("c"), targets: [target(targetId)] });
    await client.setExecution({ condition: event("b"), targets: [include(event("c"))] });
    await client.setExecution({ condition: event("a"), targets: [include(event("b"))] });
  });

  const rows: [string, (c: ActionClient) => Promise<unknown>, Code, string | undefined][] = [
    // SetExecution.
    ["set without condition", (c) => c.setExecution({ targets: [target(targetId)] }), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["set with empty condition", (c) => c.setExecution({ condition: {}, targets: [target(targetId)] }), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["set request with no choice", (c) => c.setExecution({ condition: { conditionType: { case: "request", value: {} } }, targets: [target(targetId)] }), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["set response all false", (c) => c.setExecution({ condition: { conditionType: { case: "response", value: { condition: { case: "all", value: false } } } }, targets: [target(targetId)] }), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["set event with no choice", (c) => c.setExecution({ condition: { conditionType: { case: "event", value: {} } }, targets: [target(targetId)] }), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["set empty function", (c) => c.setExecution({ condition: { conditionType: { case: "function", value: "" } }, targets: [target(targetId)] }), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["set too long event", (c) => c.setExecution({ condition: event("e".repeat(1001)), targets: [target(targetId)] }), Code.InvalidArgument, "ACTION-e0s5mz3kid"],
    ["set unserved method", (c) => c.setExecution({ condition: method("/no.Such/Method"), targets: [target(targetId)] }), Code.NotFound, "COMMAND-vysplsevt8"],
    ["set unserved service", (c) => c.setExecution({ condition: service("no.Such"), targets: [target(targetId)] }), Code.NotFound, "COMMAND-qu6dfhiioq"],
    ["set unknown function", (c) => c.setExecution({ condition: { conditionType: { case: "function", value: "nope" } }, targets: [target(targetId)] }), Code.NotFound, "COMMAND-cdy39t0ksr"],
    ["set empty targets", (c) => c.setExecution({ condition: method(served), targets: [] }), Code.InvalidArgument, "COMMAND-56bteot2uj"],
    ["set entry with neither", (c) => c.setExecution({ condition: method(served), targets: [{}] }), Code.InvalidArgument, "ACTION-p1z7ek2sud"],
    ["set unknown target", (c) => c.setExecution({ condition: method(served), targets: [target("404")] }), Code.NotFound, "COMMAND-17e8fq1ggk"],
    ["set include not found", (c) => c.setExecution({ condition: method(served), targets: [include(event("missing"))] }), Code.NotFound, "COMMAND-slgj0l4cdz"],
    ["set include invalid", (c) => c.setExecution({ condition: method(served), targets: [include({})] }), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["set self include", (c) => c.setExecution({ condition: event("a"), targets: [include(event("a"))] }), Code.FailedPrecondition, "COMMAND-mo1cmjp5k7"],
    ["set circular include", (c) => c.setExecution({ condition: event("c"), targets: [include(event("a"))] }), Code.FailedPrecondition, "COMMAND-819opvhgjv"],
    ["set too deep include", (c) => c.setExecution({ condition: event("x"), targets: [include(event("a"))] }), Code.FailedPrecondition, "COMMAND-gbhd3g57oo"],
    ["set duplicate target", (c) => c.setExecution({ condition: method(served), targets: [target(targetId), target(targetId)] }), Code.InvalidArgument, "ACTION-v9g4hx0rcm"],
    ["set duplicate include", (c) => c.setExecution({ condition: method(served), targets: [include(event("c")), include(event("c"))] }), Code.InvalidArgument, "ACTION-j2n6wa8ubq"],
    // DeleteExecution.
    ["delete without condition", (c) => c.deleteExecution({}), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["delete event all false", (c) => c.deleteExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "all", value: false } } } } }), Code.InvalidArgument, "COMMAND-3tkej630e6"],
    ["delete never set", (c) => c.deleteExecution({ condition: method(served) }), Code.NotFound, "COMMAND-suq2upd3rt"],
    ["delete unserved method is not checked", (c) => c.deleteExecution({ condition: method("/no.Such/M") }), Code.NotFound, "COMMAND-suq2upd3rt"],
    // CreateTarget.
    ["create empty name", (c) => c.createTarget({ ...hook, name: "" }), Code.InvalidArgument, "COMMAND-ddqbm9us5p"],
    ["create long name", (c) => c.createTarget({ ...hook, name: "n".repeat(201) }), Code.InvalidArgument, "ACTION-q7c2nxe4lw"],
    ["create without type", (c) => c.createTarget({ ...hook, name: "x", targetType: { case: undefined } }), Code.InvalidArgument, "ACTION-h3u8pd1yte"],
    ["create without timeout", (c) => c.createTarget({ ...hook, name: "x", timeout: undefined }), Code.InvalidArgument, "COMMAND-39f35d8uri"],
    ["create zero timeout", (c) => c.createTarget({ ...hook, name: "x", timeout: { seconds: 0n } }), Code.InvalidArgument, "COMMAND-39f35d8uri"],
    ["create relative endpoint", (c) => c.createTarget({ ...hook, name: "x", endpoint: "/hook" }), Code.InvalidArgument, "COMMAND-1r2k6qo6wg"],
    ["create empty endpoint", (c) => c.createTarget({ ...hook, name: "x", endpoint: "" }), Code.InvalidArgument, "COMMAND-1r2k6qo6wg"],
    ["create long endpoint", (c) => c.createTarget({ ...hook, name: "x", endpoint: `https://e.com/${"a".repeat(987)}` }), Code.InvalidArgument, "ACTION-w5k0bs7gjn"],
    ["create taken name", (c) => c.createTarget(hook), Code.AlreadyExists, "V3-DKcYh"],
    // UpdateTarget.
    ["update empty id", (c) => c.updateTarget({ targetId: "" }), Code.InvalidArgument, "ACTION-2m9vfr6kza"],
    ["update empty name", (c) => c.updateTarget({ targetId, name: "" }), Code.InvalidArgument, "COMMAND-d1wx4lm0zr"],
    ["update zero timeout", (c) => c.updateTarget({ targetId, timeout: { nanos: 0 } }), Code.InvalidArgument, "COMMAND-08b39vdi57"],
    ["update bad endpoint", (c) => c.updateTarget({ targetId, endpoint: "nope" }), Code.InvalidArgument, "COMMAND-jsbaera7b6"],
    ["update missing", (c) => c.updateTarget({ targetId: "404", name: "x" }), Code.NotFound, "COMMAND-xj14f2cccn"],
    // DeleteTarget and GetTargetByID.
    ["delete target missing", (c) => c.deleteTarget({ targetId: "404" }), Code.NotFound, "COMMAND-k4s7ucu0ax"],
    ["delete target empty id", (c) => c.deleteTarget({ targetId: "" }), Code.InvalidArgument, "ACTION-2m9vfr6kza"],
    ["get missing", (c) => c.getTargetByID({ targetId: "404" }), Code.NotFound, "QUERY-hj5oaniyrz"],
    ["get empty id", (c) => c.getTargetByID({ targetId: "" }), Code.InvalidArgument, "ACTION-2m9vfr6kza"],
    // Lists.
    ["targets limit over 1000", (c) => c.listTargets({ query: { limit: 1001 } }), Code.InvalidArgument, "ACTION-u4b8ty1pqo"],
    ["executions limit over 1000", (c) => c.listExecutions({ query: { limit: 1001 } }), Code.InvalidArgument, "ACTION-u4b8ty1pqo"],
    ["targets empty query", (c) => c.listTargets({ queries: [{}] }), Code.InvalidArgument, "ACTION-k7d3ri5nwe"],
    ["targets long name query", (c) => c.listTargets({ queries: [{ query: { case: "targetNameQuery", value: { targetName: "n".repeat(201) } } }] }), Code.InvalidArgument, "ACTION-t0h5us2cjy"],
    ["targets unknown sorting column", (c) => c.listTargets({ sortingColumn: 99 as TargetFieldName }), Code.InvalidArgument, "ACTION-x1o9cg6hfz"],
    ["executions empty query", (c) => c.listExecutions({ queries: [{}] }), Code.InvalidArgument, "ACTION-k7d3ri5nwe"],
    ["executions empty condition list", (c) => c.listExecutions({ queries: [{ query: { case: "inConditionsQuery", value: {} } }] }), Code.InvalidArgument, "ACTION-m8a2vj4lst"],
    ["executions empty target id", (c) => c.listExecutions({ queries: [{ query: { case: "targetQuery", value: {} } }] }), Code.InvalidArgument, "ACTION-r3e7yn0dkb"],
    ["executions missing include", (c) => c.listExecutions({ queries: [{ query: { case: "includeQuery", value: {} } }] }), Code.InvalidArgument, "ACTION-b6w1qf9tzu"],
    ["executions unknown type", (c) => c.listExecutions({ queries: [{ query: { case: "executionTypeQuery", value: { executionType: 9 as ExecutionType } } }] }), Code.InvalidArgument, "ACTION-y2p8kc3brw"],
  ];

  for (const [name, call, code, id] of rows) {
    test(`${name}: ${Code[code]} ${id ?? ""}`, async () => {
      assert.deepEqual(await failure(call(client)), [code, id]);
    });
  }

  test("a refused endpoint is InvalidArgument", async () => {
    const denying = createHarness({ checkEndpoint: () => "private address" });
    assert.deepEqual(
      await failure(denying.client().createTarget(hook)),
      [Code.InvalidArgument, "ACTION-c8r1tq4mvx"],
    );
  });

  test("failed commands write nothing", () => {
    const count = harness.db.prepare("SELECT count(*) AS n FROM events").get() as { n: number };
    // One target and three executions from the setup, nothing from the rows.
    assert.equal(count.n, 4);
  });

  const rpcs: [string, (c: ActionClient) => Promise<unknown>][] = [
    ["CreateTarget", (c) => c.createTarget(hook)],
    ["UpdateTarget", (c) => c.updateTarget({ targetId: "1" })],
    ["DeleteTarget", (c) => c.deleteTarget({ targetId: "1" })],
    ["GetTargetByID", (c) => c.getTargetByID({ targetId: "1" })],
    ["ListTargets", (c) => c.listTargets({})],
    ["SetExecution", (c) => c.setExecution({})],
    ["DeleteExecution", (c) => c.deleteExecution({})],
    ["ListExecutions", (c) => c.listExecutions({})],
    ["ListExecutionFunctions", (c) => c.listExecutionFunctions({})],
    ["ListExecutionMethods", (c) => c.listExecutionMethods({})],
    ["ListExecutionServices", (c) => c.listExecutionServices({})],
  ];
  for (const [name, call] of rpcs) {
    test(`${name} without a caller is Unauthenticated`, async () => {
      const [code] = await failure(call(harness.anonymous()));
      assert.equal(code, Code.Unauthenticated);
    });
  }
});
