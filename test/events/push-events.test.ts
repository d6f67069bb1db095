import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { validatePushedEvents } from "../../src/events/pushed-event-rules.js";
import { DomainError } from "../../src/errors/domain-error.js";
import { createEventsClients } from "./support/events-clients.js";
import {
  createEventsFixture,
  eventCondition,
  scope,
  type EventsFixture,
} from "./support/events-fixture.js";
import { codeOf } from "../support/call-code.js";

const good = { aggregateType: "user", aggregateId: "u1", eventType: "user.added" };

describe("PushEvents", { timeout: 20_000 }, () => {
  let fixture: EventsFixture;
  let clients: ReturnType<typeof createEventsClients>;

  before(() => {
    fixture = createEventsFixture();
    clients = createEventsClients(fixture);
  });
  after(() => fixture.close());

  it("writes the events in order with per-aggregate sequences", async () => {
    const response = await clients.runtime.pushEvents({
      events: [
        { ...good, payload: { a: 1 } },
        { ...good, aggregateId: "u2" },
        { ...good, eventType: "user.changed" },
        { ...good, aggregateType: "org.project", aggregateId: "u1" },
      ],
    });
    assert.deepEqual(
      response.details.map((d) => d.sequence),
      [1n, 1n, 2n, 1n],
    );
    for (const details of response.details) {
      assert.equal(details.resourceOwner, scope.instanceId);
      assert.ok(timestampMs(details.changeDate!) > 0);
    }
    const rows = fixture.db
      .prepare(
        `SELECT aggregate_type, aggregate_id, event_type, sequence, payload,
           creator FROM events WHERE aggregate_type <> 'target'
         ORDER BY position`,
      )
      .all() as Array<Record<string, unknown>>;
    assert.deepEqual(rows[0], {
      aggregate_type: "user",
      aggregate_id: "u1",
      event_type: "user.added",
      sequence: 1,
      payload: '{"a":1}',
      creator: scope.creator,
    });
    assert.equal(rows.length, 4);
  });

  it("enqueues a delivery for a matching event execution", async () => {
    const target = fixture.addTarget("http://127.0.0.1:9/push");
    fixture.setEvent(eventCondition("group", "invoice"), [
      { targetId: target.id },
    ]);
    await clients.runtime.pushEvents({
      events: [{ aggregateType: "invoice", aggregateId: "i1", eventType: "invoice.paid", payload: { total: 3 } }],
    });
    const { deliveries } = fixture.deliveries.list(
      scope.instanceId,
      [{ eventType: "invoice.paid" }],
      { offset: 0, limit: 10, asc: true },
    );
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0]!.targetId, target.id);
    assert.deepEqual(
      (JSON.parse(deliveries[0]!.body) as { event_payload: unknown }).event_payload,
      { total: 3 },
    );
  });

  const invalid: Array<[string, Array<typeof good>]> = [
    ["no events", []],
    ["101 events", Array.from({ length: 101 }, () => good)],
    ["an upper-case aggregate type", [{ ...good, aggregateType: "User" }]],
    ["an empty aggregate type", [{ ...good, aggregateType: "" }]],
    ["a reserved aggregate type", [{ ...good, aggregateType: "target" }]],
    ["the other reserved aggregate type", [{ ...good, aggregateType: "execution" }]],
    ["an empty aggregate id", [{ ...good, aggregateId: "" }]],
    ["a long aggregate id", [{ ...good, aggregateId: "x".repeat(201) }]],
    ["an event type of one part", [{ ...good, eventType: "added" }]],
    ["an event type with a wildcard", [{ ...good, eventType: "user.*" }]],
    ["an event type with a double dot", [{ ...good, eventType: "user..added" }]],
    ["an event type with a trailing dot", [{ ...good, eventType: "user.added." }]],
    ["an event type with spaces", [{ ...good, eventType: "user added" }]],
    ["a long event type", [{ ...good, eventType: `u.${"x".repeat(199)}` }]],
    ["a bad second event", [good, { ...good, eventType: "Bad.Type" }]],
  ];
  for (const [name, events] of invalid) {
    it(`refuses ${name} with InvalidArgument and writes nothing`, async () => {
      const before = fixture.db.prepare("SELECT count(*) FROM events").pluck().get();
      assert.equal(
        await codeOf(clients.runtime.pushEvents({ events })),
        Code.InvalidArgument,
      );
      assert.equal(
        fixture.db.prepare("SELECT count(*) FROM events").pluck().get(),
        before,
      );
    });
  }

  it("accepts names with digits and underscores and 100 events", () => {
    assert.doesNotThrow(() =>
      validatePushedEvents(
        Array.from({ length: 100 }, () => ({
          aggregateType: "org_2.project",
          aggregateId: "p",
          eventType: "org_2.project.v2_added",
        })),
      ),
    );
    assert.throws(
      () => validatePushedEvents([{ ...good, eventType: "2user.added" }]),
      (error: unknown) =>
        error instanceof DomainError && error.kind === "invalidArgument",
    );
  });
});
