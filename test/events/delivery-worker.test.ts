import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import type { Delivery } from "../../src/events/delivery.js";
import { verifyZitadelSignature } from "../runtime/verify-signature.js";
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
  type EventsFixtureOptions,
} from "./support/events-fixture.js";

describe("createDeliveryWorker()", { timeout: 30_000 }, () => {
  let fixture: EventsFixture | undefined;
  let receiver: EventReceiver | undefined;

  afterEach(async () => {
    await fixture?.close();
    await receiver?.down().catch(() => undefined);
    fixture = undefined;
    receiver = undefined;
  });

  /** A fixture whose event "user.added" goes to one target at `path`. */
  async function setUp(path = "/hook", options: EventsFixtureOptions = {}) {
    receiver = await startEventReceiver();
    fixture = createEventsFixture(options);
    const target = fixture.addTarget(`${receiver.url}${path}`);
    fixture.setEvent(eventCondition("event", "user.added"), [
      { targetId: target.id },
    ]);
    return { fixture, receiver, target };
  }

  function push(f: EventsFixture, count = 1): void {
    for (let i = 0; i < count; i++) {
      f.pusher.push(scope, [
        {
          aggregateType: "user",
          aggregateId: "u1",
          eventType: "user.added",
          payload: { n: i },
        },
      ]);
    }
  }

  function only(f: EventsFixture): Delivery {
    const { deliveries } = f.deliveries.list(scope.instanceId, [], {
      offset: 0,
      limit: 10,
      asc: true,
    });
    assert.equal(deliveries.length, 1);
    return deliveries[0]!;
  }

  async function finished(f: EventsFixture): Promise<Delivery> {
    await waitUntil(() => only(f).status !== "pending", "a finished delivery");
    return only(f);
  }

  it("delivers on attempt N+1 after N failures, with one webhook-id", async () => {
    const { fixture: f, receiver: r, target } = await setUp();
    r.answer((_, nth) => (nth <= 3 ? { status: 503 } : { status: 200 }));
    f.worker.start();
    push(f);
    await r.waitFor(4);
    const delivery = await finished(f);
    assert.equal(delivery.status, "succeeded");
    assert.equal(delivery.attemptCount, 4);
    assert.equal(delivery.lastError, "");
    const ids = new Set(r.received.map((x) => x.headers["webhook-id"]));
    assert.deepEqual([...ids], [`msg_${delivery.id}`]);
    const history = f.deliveries.get(scope.instanceId, delivery.id)!;
    assert.deepEqual(
      history.attempts.map((a) => [a.number, a.statusCode, a.error === ""]),
      [
        [1, 503, false],
        [2, 503, false],
        [3, 503, false],
        [4, 200, true],
      ],
    );
    // Every attempt carries the same body and valid signatures.
    for (const request of r.received) {
      assert.equal(request.body, delivery.body);
      const headers = request.headers as Record<string, string>;
      new Webhook(target.signingKey).verify(request.body, headers);
      assert.ok(
        verifyZitadelSignature(
          headers["zitadel-signature"]!,
          request.body,
          target.signingKey,
        ),
      );
    }
  });

  it("fails after the last attempt and delivers after a retry", async () => {
    const { fixture: f, receiver: r } = await setUp();
    await r.down();
    f.worker.start();
    push(f);
    const failed = await finished(f);
    assert.equal(failed.status, "failed");
    assert.equal(failed.attemptCount, 5);
    assert.notEqual(failed.lastError, "");
    const history = f.deliveries.get(scope.instanceId, failed.id)!;
    assert.ok(history.attempts.every((a) => a.statusCode === 0));

    await r.up();
    assert.equal(f.deliveries.retry(scope.instanceId, failed.id, Date.now()), "retried");
    f.worker.wake();
    await r.waitFor(1);
    const delivered = await finished(f);
    assert.equal(delivered.status, "succeeded");
    assert.equal(delivered.attemptCount, 6);
    assert.equal(r.received[0]!.headers["webhook-id"], `msg_${failed.id}`);
  });

  it("fails at once on a 4xx other than 408 and 429", async () => {
    const { fixture: f, receiver: r } = await setUp();
    r.answer(() => ({ status: 400 }));
    f.worker.start();
    push(f);
    const delivery = await finished(f);
    assert.equal(delivery.status, "failed");
    assert.equal(delivery.attemptCount, 1);
    assert.equal(r.received.length, 1);
  });

  for (const status of [408, 500, 502]) {
    it(`retries a ${status}`, async () => {
      const { fixture: f, receiver: r } = await setUp();
      r.answer((_, nth) => (nth === 1 ? { status } : { status: 204 }));
      f.worker.start();
      push(f);
      const delivery = await finished(f);
      assert.equal(delivery.status, "succeeded");
      assert.equal(delivery.attemptCount, 2);
    });
  }

  it("honours Retry-After on a 429", async () => {
    const { fixture: f, receiver: r } = await setUp();
    r.answer((_, nth) =>
      nth === 1
        ? { status: 429, headers: { "retry-after": "1" } }
        : { status: 200 },
    );
    f.worker.start();
    push(f);
    await r.waitFor(2);
    const gap = r.received[1]!.at - r.received[0]!.at;
    // The schedule alone would retry after 20 ms.
    assert.ok(gap >= 950, `retried after ${gap} ms`);
    assert.equal((await finished(f)).status, "succeeded");
  });

  it("retries a timeout", async () => {
    receiver = await startEventReceiver();
    fixture = createEventsFixture();
    const f = fixture;
    const r = receiver;
    r.answer((_, nth) => (nth === 1 ? "hang" : { status: 200 }));
    const target = f.addTarget(`${r.url}/slow`, undefined, 1);
    f.setEvent(eventCondition("all"), [{ targetId: target.id }]);
    f.worker.start();
    push(f);
    await r.waitFor(2, undefined, 5000);
    const rows = f.deliveries.list(scope.instanceId, [{ eventType: "user.added" }], {
      offset: 0,
      limit: 10,
      asc: true,
    }).deliveries;
    await waitUntil(
      () => f.deliveries.get(scope.instanceId, rows[0]!.id)!.delivery.status === "succeeded",
      "the retried delivery",
    );
    const history = f.deliveries.get(scope.instanceId, rows[0]!.id)!;
    assert.equal(history.attempts[0]!.statusCode, 0);
    assert.ok(history.attempts[0]!.durationMs >= 900);
  });

  it("fails a delivery whose target was deleted, without sending", async () => {
    const { fixture: f, receiver: r, target } = await setUp();
    push(f);
    f.store.deleteTarget(scope, target.id);
    f.worker.start();
    const delivery = await finished(f);
    assert.equal(delivery.status, "failed");
    assert.equal(delivery.attemptCount, 1);
    assert.equal(r.received.length, 0);
  });

  it("keeps event order per target and bounds concurrency", async () => {
    receiver = await startEventReceiver();
    fixture = createEventsFixture({ worker: { maxConcurrency: 2 } });
    const f = fixture;
    const r = receiver;
    const targets = ["/a", "/b", "/c"].map((p) => f.addTarget(`${r.url}${p}`).id);
    f.setEvent(eventCondition("all"), targets.map((targetId) => ({ targetId })));
    push(f, 10);
    f.worker.start();
    await r.waitFor(30);
    assert.ok(r.maxOpen() <= 2, `max open ${r.maxOpen()}`);
    for (const path of ["/a", "/b", "/c"]) {
      const order = r.received
        .filter((x) => x.path === path)
        .map((x) => (JSON.parse(x.body) as { event_payload: { n: number } }).event_payload.n);
      assert.deepEqual(order, [...Array(10).keys()]);
    }
  });

  it("sends at most one request per target at a time", async () => {
    const { fixture: f, receiver: r } = await setUp();
    push(f, 20);
    f.worker.start();
    await r.waitFor(20);
    assert.equal(r.maxOpen(), 1);
  });

  it("prunes finished deliveries after the retention", async () => {
    const { fixture: f, receiver: r } = await setUp("/hook", {
      worker: { retentionMs: 1, pruneIntervalMs: 20 },
    });
    f.worker.start();
    push(f);
    await r.waitFor(1);
    await waitUntil(
      () =>
        f.deliveries.list(scope.instanceId, [], { offset: 0, limit: 10, asc: true })
          .total === 0,
      "pruning",
    );
    const attempts = f.db
      .prepare("SELECT count(*) FROM delivery_attempts")
      .pluck()
      .get();
    assert.equal(attempts, 0);
  });

  it("leaves a send cut off by stop pending", async () => {
    const { fixture: f, receiver: r } = await setUp("/hook", {
      worker: { stopTimeoutMs: 50 },
    });
    r.answer(() => "hang");
    f.worker.start();
    push(f);
    await r.waitFor(1);
    await f.worker.stop();
    const delivery = only(f);
    assert.equal(delivery.status, "pending");
    assert.equal(delivery.attemptCount, 0);
  });
});
