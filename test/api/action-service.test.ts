import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { toJson, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  ConditionSchema,
  ExecutionSchema,
} from "../../gen/zitadel/action/v3alpha/execution_pb.js";
import {
  ExecutionType,
  TargetFieldName,
} from "../../gen/zitadel/action/v3alpha/query_pb.js";
import { TextQueryMethod } from "../../gen/zitadel/object/v2/object_pb.js";
import { openExecutionSnapshot } from "../../src/store/execution-snapshot-loader.js";
import { createHarness, servedMethods } from "./action-service-harness.js";

type Condition = MessageInitShape<typeof ConditionSchema>;

const call = (type: "request" | "response", c: "method" | "service", value: string): Condition => ({
  conditionType: { case: type, value: { condition: { case: c, value } } },
});
const all = (type: "request" | "response" | "event"): Condition => ({
  conditionType: { case: type, value: { condition: { case: "all", value: true } } },
});
const group = (g: string): Condition => ({
  conditionType: { case: "event", value: { condition: { case: "group", value: g } } },
});
const fn = (name: string): Condition => ({ conditionType: { case: "function", value: name } });
const target = (id: string) => ({ type: { case: "target" as const, value: id } });
const include = (c: Condition) => ({ type: { case: "include" as const, value: c } });
const listTargets = "/zitadel.action.v3alpha.ActionService/ListTargets";

function hook(name: string, extra: object = {}) {
  return {
    name,
    endpoint: `https://example.com/${name}`,
    timeout: { seconds: 10n },
    targetType: { case: "restWebhook" as const, value: {} },
    ...extra,
  };
}

describe("createActionService()", () => {
  test("creates, reads, updates and deletes a target", async () => {
    const h = createHarness();
    const c = h.client();
    const created = await c.createTarget({
      name: "call",
      endpoint: "https://example.com/call",
      timeout: { seconds: 1n, nanos: 500 },
      targetType: { case: "restCall", value: { interruptOnError: true } },
    });
    assert.match(created.id, /^\d+$/);
    assert.match(created.signingKey, /^whsec_/);
    assert.equal(created.details?.sequence, 1n);
    assert.equal(created.details?.resourceOwner, "i1");

    const got = (await c.getTargetByID({ targetId: created.id })).target!;
    assert.equal(got.name, "call");
    assert.equal(got.endpoint, "https://example.com/call");
    assert.equal(got.targetType.case, "restCall");
    assert.equal(got.targetType.value?.$typeName, "zitadel.action.v3alpha.SetRESTCall");
    assert.equal((got.targetType.value as { interruptOnError: boolean }).interruptOnError, true);
    assert.equal(got.timeout?.seconds, 1n);
    assert.equal(got.timeout?.nanos, 500);
    assert.equal(got.details?.sequence, 1n);

    // Same values: nothing written, last details back.
    const same = await c.updateTarget({ targetId: created.id, name: "call", endpoint: "https://example.com/call" });
    assert.equal(same.details?.sequence, 1n);
    assert.equal(same.signingKey, "");
    assert.deepEqual(same.details?.changeDate, created.details?.changeDate);

    const changed = await c.updateTarget({
      targetId: created.id,
      targetType: { case: "restAsync", value: {} },
    });
    assert.equal(changed.details?.sequence, 2n);
    const after = (await c.getTargetByID({ targetId: created.id })).target!;
    assert.equal(after.targetType.case, "restAsync");
    assert.equal(after.name, "call");
    assert.equal(after.details?.sequence, 2n);

    const before = openExecutionSnapshot(h.db, h.secretKey, "i1").targets.get(created.id)!;
    assert.equal(before.signingKey, created.signingKey);
    const rotated = await c.updateTarget({ targetId: created.id, rotateSigningKey: true });
    assert.equal(rotated.details?.sequence, 3n);
    assert.match(rotated.signingKey, /^whsec_/);
    assert.notEqual(rotated.signingKey, created.signingKey);
    assert.equal(
      openExecutionSnapshot(h.db, h.secretKey, "i1").targets.get(created.id)!.signingKey,
      rotated.signingKey,
    );

    const deleted = await c.deleteTarget({ targetId: created.id });
    assert.equal(deleted.details?.sequence, 4n);
    await assert.rejects(c.getTargetByID({ targetId: created.id }));
    assert.deepEqual(h.changes, ["i1", "i1", "i1", "i1"]);
  });

  test("round-trips every kind of condition", async () => {
    const h = createHarness();
    const c = h.client();
    const { id } = await c.createTarget(hook("t"));
    const conditions: Condition[] = [
      call("request", "method", listTargets),
      call("request", "service", "zitadel.action.v3alpha.ActionService"),
      all("request"),
      call("response", "method", listTargets),
      call("response", "service", "zitadel.session.v2.SessionService"),
      all("response"),
      fn("preuserinfo"),
      { conditionType: { case: "event", value: { condition: { case: "event", value: "user.added" } } } },
      group("user"),
      all("event"),
    ];
    for (const condition of conditions) {
      await c.setExecution({ condition, targets: [target(id)] });
    }
    const listed = await c.listExecutions({ query: { asc: true } });
    assert.equal(listed.details?.totalResult, 10n);
    const json = listed.result.map((e) => toJson(ExecutionSchema, e));
    assert.deepEqual(
      json.map((e) => (e as { condition: unknown }).condition),
      [
        { event: { all: true } },
        { event: { group: "user" } },
        { event: { event: "user.added" } },
        { function: "preuserinfo" },
        { request: { all: true } },
        { request: { service: "zitadel.action.v3alpha.ActionService" } },
        { request: { method: listTargets } },
        { response: { all: true } },
        { response: { method: listTargets } },
        { response: { service: "zitadel.session.v2.SessionService" } },
      ],
    );
    assert.deepEqual((json[0] as { targets: unknown }).targets, [{ target: id }]);
  });

  test("set replaces the list, same list writes nothing, sequences go on", async () => {
    const h = createHarness();
    const c = h.client();
    const a = (await c.createTarget(hook("a"))).id;
    const b = (await c.createTarget(hook("b"))).id;
    const condition = call("request", "method", listTargets);
    const first = await c.setExecution({ condition, targets: [target(a), target(b)] });
    assert.equal(first.details?.sequence, 1n);
    const again = await c.setExecution({ condition, targets: [target(a), target(b)] });
    assert.deepEqual(again.details, first.details);
    const swapped = await c.setExecution({ condition, targets: [target(b), target(a)] });
    assert.equal(swapped.details?.sequence, 2n);
    const removed = await c.deleteExecution({ condition });
    assert.equal(removed.details?.sequence, 3n);
    const reset = await c.setExecution({ condition, targets: [target(a)] });
    assert.equal(reset.details?.sequence, 4n);
    const [execution] = (await c.listExecutions({})).result;
    assert.deepEqual(execution?.targets.map((t) => t.type.value), [a]);
    assert.equal(execution?.details?.sequence, 4n);
  });

  test("an include of a response condition refers to the response execution", async () => {
    const h = createHarness();
    const c = h.client();
    const id = (await c.createTarget(hook("t"))).id;
    const response = call("response", "method", listTargets);
    // Only the request execution exists: the include must not find it.
    await c.setExecution({ condition: call("request", "method", listTargets), targets: [target(id)] });
    await assert.rejects(
      c.setExecution({ condition: all("response"), targets: [include(response)] }),
    );
    await c.setExecution({ condition: response, targets: [target(id)] });
    await c.setExecution({ condition: all("response"), targets: [include(response)] });
    const snapshot = openExecutionSnapshot(h.db, h.secretKey, "i1");
    assert.deepEqual(snapshot.executions.get("response"), [
      { includeId: `response${listTargets}` },
    ]);
  });

  test("DeleteTarget removes the target from executions and drops empty ones", async () => {
    const h = createHarness();
    const c = h.client();
    const a = (await c.createTarget(hook("a"))).id;
    const b = (await c.createTarget(hook("b"))).id;
    await c.setExecution({ condition: all("request"), targets: [target(a)] });
    await c.setExecution({ condition: group("user"), targets: [target(a), target(b)] });
    await c.deleteTarget({ targetId: a });
    const listed = await c.listExecutions({});
    assert.equal(listed.details?.totalResult, 1n);
    assert.deepEqual(listed.result[0]?.targets.map((t) => t.type.value), [b]);
    assert.equal(listed.result[0]?.details?.sequence, 2n);
  });

  test("ListExecutions filters, pages and orders", async () => {
    const h = createHarness();
    const c = h.client();
    const a = (await c.createTarget(hook("a"))).id;
    const b = (await c.createTarget(hook("b"))).id;
    await c.setExecution({ condition: group("user"), targets: [target(a)] });
    await c.setExecution({ condition: all("request"), targets: [target(b)] });
    await c.setExecution({ condition: call("request", "method", listTargets), targets: [target(a), include(all("request"))] });
    await c.setExecution({ condition: fn("preaccesstoken"), targets: [include(group("user"))] });

    const ids = async (request: Parameters<typeof c.listExecutions>[0]) =>
      (await c.listExecutions(request)).result.map((e) =>
        JSON.stringify(toJson(ConditionSchema, e.condition!)),
      );
    assert.deepEqual(
      await ids({ queries: [{ query: { case: "targetQuery", value: { targetId: a } } }] }),
      [JSON.stringify({ request: { method: listTargets } }), JSON.stringify({ event: { group: "user" } })],
    );
    assert.deepEqual(
      await ids({ queries: [{ query: { case: "includeQuery", value: { include: group("user") } } }] }),
      [JSON.stringify({ function: "preaccesstoken" })],
    );
    assert.deepEqual(
      await ids({ queries: [{ query: { case: "executionTypeQuery", value: { executionType: ExecutionType.REQUEST } } }], query: { asc: true } }),
      [JSON.stringify({ request: { all: true } }), JSON.stringify({ request: { method: listTargets } })],
    );
    assert.equal(
      (await ids({ queries: [{ query: { case: "executionTypeQuery", value: { executionType: ExecutionType.UNSPECIFIED } } }] })).length,
      4,
    );
    assert.deepEqual(
      await ids({ queries: [{ query: { case: "inConditionsQuery", value: { conditions: [all("request"), fn("preaccesstoken"), all("event")] } } }] }),
      [JSON.stringify({ request: { all: true } }), JSON.stringify({ function: "preaccesstoken" })],
    );
    // ANDed: targets a, and of type event.
    assert.deepEqual(
      await ids({ queries: [
        { query: { case: "targetQuery", value: { targetId: a } } },
        { query: { case: "executionTypeQuery", value: { executionType: ExecutionType.EVENT } } },
      ] }),
      [JSON.stringify({ event: { group: "user" } })],
    );
    const paged = await c.listExecutions({ query: { offset: 1n, limit: 2, asc: true } });
    assert.equal(paged.details?.totalResult, 4n);
    assert.deepEqual(
      paged.result.map((e) => JSON.stringify(toJson(ConditionSchema, e.condition!))),
      [JSON.stringify({ function: "preaccesstoken" }), JSON.stringify({ request: { all: true } })],
    );
    // Six events so far: two targets and four executions.
    assert.equal(paged.details?.processedSequence, 6n);
    assert.ok(paged.details?.timestamp !== undefined);
  });

  test("ListTargets filters by name with literal wildcards, sorts and pages", async () => {
    const h = createHarness();
    const c = h.client();
    const names = ["alpha", "Alpha_2", "beta%", "gamma", "ALPHABET"];
    const ids: string[] = [];
    for (const [index, name] of names.entries()) {
      ids.push((await c.createTarget(hook(name, { timeout: { seconds: BigInt(10 - index) } }))).id);
    }
    const byName = async (method: TextQueryMethod, targetName: string) =>
      (await c.listTargets({
        sortingColumn: TargetFieldName.FIELD_NAME_NAME,
        query: { asc: true },
        queries: [{ query: { case: "targetNameQuery", value: { targetName, method } } }],
      })).result.map((t) => t.name);
    assert.deepEqual(await byName(TextQueryMethod.EQUALS, "alpha"), ["alpha"]);
    assert.deepEqual(await byName(TextQueryMethod.EQUALS_IGNORE_CASE, "ALPHA"), ["alpha"]);
    assert.deepEqual(await byName(TextQueryMethod.STARTS_WITH, "Alpha"), ["Alpha_2"]);
    assert.deepEqual(await byName(TextQueryMethod.STARTS_WITH_IGNORE_CASE, "alpha"), ["ALPHABET", "Alpha_2", "alpha"]);
    assert.deepEqual(await byName(TextQueryMethod.CONTAINS, "_"), ["Alpha_2"]);
    assert.deepEqual(await byName(TextQueryMethod.CONTAINS, "%"), ["beta%"]);
    assert.deepEqual(await byName(TextQueryMethod.CONTAINS_IGNORE_CASE, "PHA"), ["ALPHABET", "Alpha_2", "alpha"]);
    assert.deepEqual(await byName(TextQueryMethod.ENDS_WITH, "a%"), ["beta%"]);
    assert.deepEqual(await byName(TextQueryMethod.ENDS_WITH_IGNORE_CASE, "BET"), ["ALPHABET"]);
    assert.deepEqual(await byName(TextQueryMethod.STARTS_WITH, "a_"), []);

    const inIds = await c.listTargets({
      queries: [
        { query: { case: "inTargetIdsQuery", value: { targetIds: [ids[0]!, ids[3]!, "404"] } } },
        { query: { case: "targetNameQuery", value: { targetName: "a", method: TextQueryMethod.CONTAINS } } },
      ],
    });
    // Default order is descending by id; ids grow with creation.
    assert.deepEqual(inIds.result.map((t) => t.name), ["gamma", "alpha"]);
    assert.equal(inIds.sortingColumn, TargetFieldName.FIELD_NAME_UNSPECIFIED);

    const byTimeout = await c.listTargets({
      sortingColumn: TargetFieldName.FIELD_NAME_TIMEOUT,
      query: { asc: true, limit: 2, offset: 1n },
    });
    assert.equal(byTimeout.details?.totalResult, 5n);
    assert.equal(byTimeout.sortingColumn, TargetFieldName.FIELD_NAME_TIMEOUT);
    assert.deepEqual(byTimeout.result.map((t) => t.name), ["gamma", "beta%"]);
    assert.equal(byTimeout.details?.processedSequence, 5n);
    const newest = await c.getTargetByID({ targetId: ids[4]! });
    assert.equal(
      timestampMs(byTimeout.details!.timestamp!),
      timestampMs(newest.target!.details!.changeDate!),
    );
  });

  test("ListTargets sorts by type in enum order", async () => {
    const h = createHarness();
    const c = h.client();
    await c.createTarget(hook("async", { targetType: { case: "restAsync", value: {} } }));
    await c.createTarget(hook("call", { targetType: { case: "restCall", value: {} } }));
    await c.createTarget(hook("webhook"));
    const sorted = await c.listTargets({
      sortingColumn: TargetFieldName.FIELD_NAME_TARGET_TYPE,
      query: { asc: true },
    });
    assert.deepEqual(sorted.result.map((t) => t.name), ["webhook", "call", "async"]);
  });

  test("limit 0 answers 100 and total counts all", async () => {
    const h = createHarness();
    const c = h.client();
    const id = (await c.createTarget(hook("t"))).id;
    for (let i = 0; i < 105; i += 1) {
      await c.setExecution({
        condition: { conditionType: { case: "event", value: { condition: { case: "event", value: `e${i}` } } } },
        targets: [target(id)],
      });
    }
    const listed = await c.listExecutions({});
    assert.equal(listed.result.length, 100);
    assert.equal(listed.details?.totalResult, 105n);
  });

  test("name lists are sorted and come from the options", async () => {
    const h = createHarness({ functions: ["zeta", "alpha"] });
    const c = h.client();
    assert.deepEqual((await c.listExecutionFunctions({})).functions, ["alpha", "zeta"]);
    assert.deepEqual((await c.listExecutionMethods({})).methods, [...servedMethods].sort());
    assert.deepEqual((await c.listExecutionServices({})).services, [
      "zitadel.action.v3alpha.ActionService",
      "zitadel.session.v2.SessionService",
    ]);
    const { id } = await c.createTarget(hook("t"));
    await c.setExecution({ condition: fn("zeta"), targets: [target(id)] });
    await assert.rejects(c.setExecution({ condition: fn("preuserinfo"), targets: [target(id)] }));
  });

  test("instances never see each other", async () => {
    const h = createHarness();
    const one = h.client("i1");
    const two = h.client("i2");
    const a = await one.createTarget(hook("same"));
    const b = await two.createTarget(hook("same"));
    assert.equal(b.details?.sequence, 1n);
    assert.equal(b.details?.resourceOwner, "i2");
    const condition = all("request");
    await one.setExecution({ condition, targets: [target(a.id)] });
    const set = await two.setExecution({ condition, targets: [target(b.id)] });
    assert.equal(set.details?.sequence, 1n);
    await assert.rejects(two.getTargetByID({ targetId: a.id }));
    await assert.rejects(two.setExecution({ condition, targets: [target(a.id)] }));
    await assert.rejects(two.deleteTarget({ targetId: a.id }));
    const listed = await two.listTargets({});
    assert.deepEqual(listed.result.map((t) => t.targetId), [b.id]);
    const executions = await two.listExecutions({});
    assert.deepEqual(executions.result[0]?.targets.map((t) => t.type.value), [b.id]);
    await one.deleteExecution({ condition });
    assert.equal((await two.listExecutions({})).details?.totalResult, 1n);
    assert.equal((await two.listExecutions({})).details?.processedSequence, 4n);
  });
});
