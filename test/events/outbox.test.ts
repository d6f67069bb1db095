import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DomainError } from "../../src/errors/domain-error.js";
import { eventExecutionCandidates } from "../../src/domain/condition.js";
import {
  createEventsFixture,
  eventCondition,
  scope,
  type EventsFixture,
} from "./support/events-fixture.js";

function deliveriesOf(fixture: EventsFixture, eventType?: string) {
  return fixture.deliveries.list(
    scope.instanceId,
    eventType === undefined ? [] : [{ eventType }],
    { offset: 0, limit: 1000, asc: true },
  ).deliveries;
}

describe("createOutbox()", { timeout: 20_000 }, () => {
  let fixture: EventsFixture;
  const ids: Record<string, string> = {};

  before(() => {
    fixture = createEventsFixture();
    for (const name of ["exact", "group", "deep", "all", "extra"]) {
      ids[name] = fixture.addTarget(`http://127.0.0.1:9/${name}`, name).id;
    }
    fixture.setEvent(eventCondition("event", "user.human.added"), [
      { targetId: ids.exact! },
    ]);
    fixture.setEvent(eventCondition("group", "user"), [
      { targetId: ids.group! },
    ]);
    fixture.setEvent(eventCondition("group", "user.human"), [
      { targetId: ids.deep! },
      { include: eventCondition("event", "user.human.added") },
    ]);
    fixture.setEvent(eventCondition("all"), [{ targetId: ids.all! }]);
  });
  after(() => fixture.close());

  const push = (eventType: string) =>
    fixture.pusher.push(scope, [
      { aggregateType: "user", aggregateId: "u1", eventType, payload: {} },
    ])[0]!;

  const cases: Array<[string, string, string, string[]]> = [
    ["the event's own execution", "user.human.added", "event/user.human.added", ["exact"]],
    ["the longest matching group, includes expanded", "user.human.changed", "event/user.human.*", ["deep", "exact"]],
    ["the shorter group", "user.machine.added", "event/user.*", ["group"]],
    ["the execution for all events", "org.added", "event", ["all"]],
  ];
  for (const [name, eventType, executionId, targetNames] of cases) {
    it(`delivers ${eventType} to ${name}`, () => {
      const event = push(eventType);
      const rows = deliveriesOf(fixture, eventType);
      assert.deepEqual(
        rows.map((row) => row.targetId),
        targetNames.map((n) => ids[n]),
      );
      for (const row of rows) {
        assert.equal(row.executionId, executionId);
        assert.equal(row.eventPosition, event.position);
        assert.equal(row.status, "pending");
        const body = JSON.parse(row.body) as Record<string, unknown>;
        assert.equal(body.event_type, eventType);
        assert.equal(body.aggregateID, "u1");
        assert.equal(body.aggregateType, "user");
        assert.equal(body.instanceID, scope.instanceId);
        assert.equal(body.resourceOwner, scope.instanceId);
        assert.equal(body.sequence, event.sequence);
        assert.equal(body.userID, scope.creator);
        assert.equal(body.version, "v1");
        assert.equal(body.created_at, new Date(event.createdAt).toISOString());
        assert.deepEqual(body.event_payload, {});
      }
    });
  }

  it("enqueues our own events too (target.added matches all)", () => {
    const before = deliveriesOf(fixture, "target.added").length;
    fixture.addTarget("http://127.0.0.1:9/own");
    const rows = deliveriesOf(fixture, "target.added");
    assert.equal(rows.length, before + 1);
    assert.equal(rows.at(-1)!.targetId, ids.all);
  });

  it("delivers once per target when an include lists it again", () => {
    fixture.setEvent(eventCondition("event", "user.twice"), [
      { targetId: ids.extra! },
      { include: eventCondition("event", "user.human.added") },
      { targetId: ids.group! },
    ]);
    fixture.setEvent(eventCondition("event", "user.human.added"), [
      { targetId: ids.exact! },
      { targetId: ids.extra! },
    ]);
    push("user.twice");
    const targets = deliveriesOf(fixture, "user.twice").map((r) => r.targetId);
    assert.deepEqual(targets, [ids.extra, ids.exact, ids.group]);
  });

  it("writes neither event nor delivery when the command fails", () => {
    const count = () =>
      fixture.db.prepare("SELECT count(*) FROM deliveries").pluck().get();
    const events = () =>
      fixture.db.prepare("SELECT count(*) FROM events").pluck().get();
    const [deliveriesBefore, eventsBefore] = [count(), events()];
    // The name is taken: the check fails after nothing, and a later
    // failure (bad event in a batch) after an append.
    assert.throws(() => fixture.addTarget("http://127.0.0.1:9/x", "exact"));
    assert.throws(
      () =>
        fixture.pusher.push(scope, [
          { aggregateType: "user", aggregateId: "u1", eventType: "user.human.added" },
          { aggregateType: "User", aggregateId: "u1", eventType: "user.human.added" },
        ]),
      (error: unknown) => error instanceof DomainError,
    );
    assert.equal(count(), deliveriesBefore);
    assert.equal(events(), eventsBefore);
  });

  it("rolls the event back when enqueuing fails inside the transaction", () => {
    const events = () =>
      fixture.db.prepare("SELECT count(*) FROM events").pluck().get();
    const before = events();
    // Dropping the table makes the outbox insert throw after the append.
    fixture.db.exec("ALTER TABLE deliveries RENAME TO deliveries_gone");
    try {
      assert.throws(() => push("user.human.added"));
    } finally {
      fixture.db.exec("ALTER TABLE deliveries_gone RENAME TO deliveries");
    }
    assert.equal(events(), before);
  });

  it("lists candidate executions most specific first", () => {
    assert.deepEqual(eventExecutionCandidates("a.b.c"), [
      "event/a.b.c",
      "event/a.b.*",
      "event/a.*",
      "event",
    ]);
  });
});
