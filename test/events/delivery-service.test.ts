import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { DeliveryStatus } from "../../gen/actionsd/delivery/v1/delivery_service_pb.js";
import { createEventsClients } from "./support/events-clients.js";
import {
  startEventReceiver,
  type EventReceiver,
} from "./support/event-receiver.js";
import {
  createEventsFixture,
  eventCondition,
  scope,
  waitUntil,
  type EventsFixture,
} from "./support/events-fixture.js";
import { codeOf } from "../support/call-code.js";

describe("createDeliveryService()", { timeout: 20_000 }, () => {
  let fixture: EventsFixture;
  let receiver: EventReceiver;
  let clients: ReturnType<typeof createEventsClients>;
  let good: string;
  let bad: string;
  let startedAt: number;

  before(async () => {
    receiver = await startEventReceiver();
    receiver.answer((path) => ({ status: path === "/bad" ? 404 : 200 }));
    fixture = createEventsFixture();
    clients = createEventsClients(fixture);
    good = fixture.addTarget(`${receiver.url}/good`).id;
    bad = fixture.addTarget(`${receiver.url}/bad`).id;
    fixture.setEvent(eventCondition("event", "order.placed"), [
      { targetId: good },
      { targetId: bad },
    ]);
    fixture.setEvent(eventCondition("group", "order"), [{ targetId: good }]);
    startedAt = Date.now();
    await clients.runtime.pushEvents({
      events: [
        { aggregateType: "order", aggregateId: "o1", eventType: "order.placed", payload: { n: 1 } },
        { aggregateType: "order", aggregateId: "o1", eventType: "order.shipped" },
      ],
    });
    fixture.worker.start();
    await waitUntil(
      () =>
        fixture.deliveries.list(scope.instanceId, [{ status: "pending" }], {
          offset: 0,
          limit: 10,
          asc: true,
        }).total === 0,
      "every delivery to finish",
    );
  });
  after(async () => {
    await fixture.close();
    await receiver.down();
  });

  const list = (queries: Parameters<typeof clients.deliveries.listDeliveries>[0]["queries"] = [], asc = true) =>
    clients.deliveries.listDeliveries({ query: { asc }, queries });

  it("lists every delivery with its status, newest first by default", async () => {
    const response = await clients.deliveries.listDeliveries({});
    assert.equal(response.details!.totalResult, 3n);
    const ids = response.result.map((d) => Number(d.deliveryId));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.ok(response.result.every((d) => d.attempts.length === 0));
  });

  it("filters by target, condition, event type, status and time", async () => {
    const byTarget = await list([{ query: { case: "targetQuery", value: { targetId: bad } } }]);
    assert.deepEqual(byTarget.result.map((d) => d.status), [DeliveryStatus.FAILED]);
    const byStatus = await list([{ query: { case: "statusQuery", value: { status: DeliveryStatus.SUCCEEDED } } }]);
    assert.equal(byStatus.result.length, 2);
    const byCondition = await list([
      {
        query: {
          case: "conditionQuery",
          value: { condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "order" } } } } },
        },
      },
    ]);
    assert.deepEqual(byCondition.result.map((d) => d.event!.eventType), ["order.shipped"]);
    assert.equal(byCondition.result[0]!.condition!.conditionType.case, "event");
    const byType = await list([{ query: { case: "eventTypeQuery", value: { eventType: "order.placed" } } }]);
    assert.equal(byType.result.length, 2);
    const later = await list([
      { query: { case: "creationDateQuery", value: { from: timestampFromMs(Date.now() + 60_000) } } },
    ]);
    assert.equal(later.result.length, 0);
    const window = await list([
      {
        query: {
          case: "creationDateQuery",
          value: { from: timestampFromMs(startedAt - 1), to: timestampFromMs(Date.now() + 1) },
        },
      },
      { query: { case: "targetQuery", value: { targetId: good } } },
    ]);
    assert.equal(window.result.length, 2);
  });

  it("pages with offset and limit", async () => {
    const page = await clients.deliveries.listDeliveries({ query: { offset: 1n, limit: 1, asc: true } });
    assert.equal(page.details!.totalResult, 3n);
    assert.equal(page.result.length, 1);
    assert.equal(
      await codeOf(clients.deliveries.listDeliveries({ query: { limit: 1001 } })),
      Code.InvalidArgument,
    );
  });

  const badQueries: Array<[string, Parameters<typeof list>[0]]> = [
    ["an empty query", [{ query: { case: undefined } }]],
    ["an empty target id", [{ query: { case: "targetQuery", value: { targetId: "" } } }]],
    ["an unspecified status", [{ query: { case: "statusQuery", value: { status: DeliveryStatus.UNSPECIFIED } } }]],
    ["a request condition", [{ query: { case: "conditionQuery", value: { condition: { conditionType: { case: "request", value: { condition: { case: "all", value: true } } } } } } }]],
    ["a missing condition", [{ query: { case: "conditionQuery", value: {} } }]],
  ];
  for (const [name, queries] of badQueries) {
    it(`refuses ${name} with InvalidArgument`, async () => {
      assert.equal(await codeOf(list(queries)), Code.InvalidArgument);
    });
  }

  it("gets a delivery with its event and every attempt", async () => {
    const failed = (await list([{ query: { case: "targetQuery", value: { targetId: bad } } }])).result[0]!;
    const { delivery } = await clients.deliveries.getDelivery({ deliveryId: failed.deliveryId });
    assert.equal(delivery!.targetId, bad);
    assert.equal(delivery!.event!.aggregateType, "order");
    assert.equal(delivery!.event!.aggregateId, "o1");
    assert.equal(delivery!.event!.sequence, 1n);
    assert.equal(delivery!.event!.creator, scope.creator);
    assert.deepEqual(delivery!.event!.payload, { n: 1 });
    assert.equal(delivery!.attempts.length, 1);
    assert.equal(delivery!.attempts[0]!.statusCode, 404);
    assert.notEqual(delivery!.attempts[0]!.error, "");
    assert.ok(timestampMs(delivery!.attempts[0]!.startDate!) >= startedAt);
    assert.ok(delivery!.finishDate !== undefined);
    assert.equal(delivery!.nextAttemptDate, undefined);
  });

  it("answers NotFound and InvalidArgument for unknown and bad ids", async () => {
    assert.equal(await codeOf(clients.deliveries.getDelivery({ deliveryId: "999999" })), Code.NotFound);
    assert.equal(await codeOf(clients.deliveries.getDelivery({ deliveryId: "x1" })), Code.InvalidArgument);
    assert.equal(await codeOf(clients.deliveries.retryDelivery({ deliveryId: "999999" })), Code.NotFound);
  });

  it("retries only failed deliveries, with a fresh budget", async () => {
    const succeeded = (await list([{ query: { case: "statusQuery", value: { status: DeliveryStatus.SUCCEEDED } } }])).result[0]!;
    assert.equal(
      await codeOf(clients.deliveries.retryDelivery({ deliveryId: succeeded.deliveryId })),
      Code.FailedPrecondition,
    );
    const failed = (await list([{ query: { case: "statusQuery", value: { status: DeliveryStatus.FAILED } } }])).result[0]!;
    receiver.answer(() => ({ status: 200 }));
    const before = receiver.received.filter((r) => r.path === "/bad").length;
    const { delivery } = await clients.deliveries.retryDelivery({ deliveryId: failed.deliveryId });
    assert.equal(delivery!.status, DeliveryStatus.PENDING);
    assert.equal(delivery!.attempts.length, 1);
    await receiver.waitFor(before + 1, "/bad");
    await waitUntil(
      () => fixture.deliveries.get(scope.instanceId, failed.deliveryId)!.delivery.status === "succeeded",
      "the retried delivery",
    );
    const after = await clients.deliveries.getDelivery({ deliveryId: failed.deliveryId });
    assert.deepEqual(after.delivery!.attempts.map((a) => a.statusCode), [404, 200]);
    assert.equal(after.delivery!.attemptCount, 2);
  });

  it("sees no deliveries of another instance", async () => {
    const other = fixture.deliveries.list("other", [], { offset: 0, limit: 10, asc: true });
    assert.equal(other.total, 0);
    const found = fixture.deliveries.get("other", "1");
    assert.equal(found, undefined);
  });
});
