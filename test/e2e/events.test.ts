import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Webhook } from "standardwebhooks";
import { DeliveryStatus } from "../../gen/actionsd/delivery/v1/delivery_service_pb.js";
import { authHeaders, createActionClient } from "../support/clients.js";
import { runCli } from "../support/cli-admin.js";
import {
  countWithStatus,
  createDeliveryClient,
  createRuntimeClient,
  deliveryIdOf,
  waitForDeliveryStatus,
  waitForStatusCount,
} from "../support/event-clients.js";
import { startServer, type TestServer } from "../support/start-server.js";
import {
  startEventReceiver,
  type EventReceiver,
  type ReceivedEvent,
} from "../events/support/event-receiver.js";
import { codeOf } from "../support/call-code.js";

const timeout = { seconds: 5n, nanos: 0 };

function eventBody(request: ReceivedEvent): Record<string, unknown> {
  return JSON.parse(request.body) as Record<string, unknown>;
}

function webhookId(request: ReceivedEvent): string {
  return request.headers["webhook-id"] as string;
}

// SetExecution's condition for an event group or one event type.
function eventCondition(scope: "group" | "event", value: string) {
  return {
    conditionType: {
      case: "event" as const,
      value: { condition: { case: scope, value } },
    },
  };
}

async function addEventTarget(
  server: TestServer,
  name: string,
  endpoint: string,
  type: "restWebhook" | "restAsync" = "restWebhook",
): Promise<{ id: string; signingKey: string }> {
  const created = await createActionClient(server, "connect-json-1.1")
    .createTarget({
      name,
      targetType: { case: type, value: {} },
      timeout,
      endpoint,
    });
  return { id: created.id, signingKey: created.signingKey };
}

// startServer leaves its temporary data directory; the test removes it.
function removeData(server: TestServer | undefined): void {
  if (server !== undefined) {
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

async function setEventExecution(
  server: TestServer,
  scope: "group" | "event",
  value: string,
  targetId: string,
): Promise<void> {
  await createActionClient(server, "connect-json-1.1").setExecution({
    condition: eventCondition(scope, value),
    targets: [{ type: { case: "target", value: targetId } }],
  });
}

describe("event deliveries with retries on the real server", {
  timeout: 30_000,
}, () => {
  let server: TestServer;
  let receiver: EventReceiver;
  let target: { id: string; signingKey: string };
  let otherId: string;
  let deliveryId: string;
  let requests: ReceivedEvent[];

  before(async () => {
    receiver = await startEventReceiver();
    receiver.answer((path, nth) => ({
      status: path === "/flaky" && nth <= 2 ? 500 : 200,
    }));
    server = await startServer({ args: ["--retry-schedule", "0,1s,1s"] });
    target = await addEventTarget(server, "flaky", `${receiver.url}/flaky`);
    await setEventExecution(server, "group", "target", target.id);
    otherId = (await addEventTarget(server, "other", "https://example.com/x"))
      .id;
    await receiver.waitFor(3, "/flaky", 10_000);
    requests = receiver.received.filter((r) => r.path === "/flaky");
    deliveryId = deliveryIdOf(requests[0]!.headers["webhook-id"]);
  });
  after(async () => {
    await server?.stop();
    removeData(server);
    await receiver?.down();
  });

  it("sends target.added of the new target three times, same webhook-id, valid signatures", () => {
    assert.equal(requests.length, 3);
    assert.deepEqual(
      requests.map(webhookId),
      Array(3).fill(`msg_${deliveryId}`),
    );
    for (const request of requests) {
      const body = eventBody(request);
      assert.equal(body.event_type, "target.added");
      assert.equal(body.aggregateType, "target");
      assert.equal(body.aggregateID, otherId);
      assert.equal(request.body, requests[0]!.body);
      const headers = request.headers as Record<string, string>;
      new Webhook(target.signingKey).verify(request.body, headers);
      assert.throws(() =>
        new Webhook(target.signingKey).verify(`${request.body} `, headers),
      );
    }
  });

  it("waits about the configured second between attempts, not the default 5 s", () => {
    const gaps = [
      requests[1]!.at - requests[0]!.at,
      requests[2]!.at - requests[1]!.at,
    ];
    // 1 s with the worker's jitter of ±20%; the default schedule would
    // wait 5 s (±20%) before the third attempt.
    for (const gap of gaps) {
      assert.ok(gap >= 700 && gap < 2500, `gap ${gap} ms`);
    }
  });

  it("GetDelivery shows three attempts with their status codes", async () => {
    const client = createDeliveryClient(server, "grpc");
    const delivery = await waitForDeliveryStatus(
      client,
      deliveryId,
      DeliveryStatus.SUCCEEDED,
    );
    assert.equal(delivery.targetId, target.id);
    assert.equal(delivery.attemptCount, 3);
    assert.deepEqual(
      delivery.attempts.map((a) => [a.number, a.statusCode]),
      [
        [1, 500],
        [2, 500],
        [3, 200],
      ],
    );
    assert.notEqual(delivery.attempts[0]!.error, "");
    assert.equal(delivery.attempts[2]!.error, "");
    assert.equal(delivery.lastError, "");
    assert.ok(delivery.finishDate !== undefined);
    assert.equal(delivery.nextAttemptDate, undefined);
    assert.equal(delivery.event?.eventType, "target.added");
    assert.equal(delivery.event?.aggregateId, otherId);
    assert.equal(delivery.condition?.conditionType.case, "event");
  });

  it("ListDeliveries filters by status", async () => {
    const client = createDeliveryClient(server);
    const byStatus = (status: DeliveryStatus) =>
      client.listDeliveries({
        queries: [{ query: { case: "statusQuery", value: { status } } }],
      });
    const succeeded = await byStatus(DeliveryStatus.SUCCEEDED);
    assert.deepEqual(
      succeeded.result.map((d) => d.deliveryId),
      [deliveryId],
    );
    assert.equal(succeeded.details?.totalResult, 1n);
    assert.equal((await byStatus(DeliveryStatus.FAILED)).result.length, 0);
    assert.equal((await byStatus(DeliveryStatus.PENDING)).result.length, 0);
    assert.equal(
      await codeOf(byStatus(DeliveryStatus.UNSPECIFIED)),
      Code.InvalidArgument,
    );
    const other = await client.listDeliveries({
      queries: [
        { query: { case: "targetQuery", value: { targetId: otherId } } },
      ],
    });
    assert.equal(other.details?.totalResult, 0n);
    const byCondition = await client.listDeliveries({
      queries: [
        {
          query: {
            case: "conditionQuery",
            value: { condition: eventCondition("group", "target") },
          },
        },
      ],
    });
    assert.deepEqual(
      byCondition.result.map((d) => d.deliveryId),
      [deliveryId],
    );
  });

  it("serves the delivery over REST GET /v1/deliveries/{id}", async () => {
    const response = await fetch(
      `${server.baseUrl}/v1/deliveries/${deliveryId}`,
      { headers: authHeaders(server), signal: AbortSignal.timeout(10_000) },
    );
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      delivery: { status: string; attempts: { statusCode: number }[] };
    };
    assert.equal(body.delivery.status, "DELIVERY_STATUS_SUCCEEDED");
    assert.deepEqual(
      body.delivery.attempts.map((a) => a.statusCode),
      [500, 500, 200],
    );
    const missing = await fetch(`${server.baseUrl}/v1/deliveries/999999`, {
      headers: authHeaders(server),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(missing.status, 404);
  });
});

describe("pushed events on the real server", { timeout: 30_000 }, () => {
  let server: TestServer;
  let receiver: EventReceiver;
  let target: { id: string; signingKey: string };

  before(async () => {
    receiver = await startEventReceiver();
    server = await startServer({ args: ["--retry-schedule", "0,1s"] });
    target = await addEventTarget(
      server,
      "users",
      `${receiver.url}/users`,
      "restAsync",
    );
    await setEventExecution(server, "event", "user.human.added", target.id);
  });
  after(async () => {
    await server?.stop();
    removeData(server);
    await receiver?.down();
  });

  it("delivers a pushed user.human.added to its event execution", async () => {
    const answer = await createRuntimeClient(server, "grpc").pushEvents({
      events: [
        {
          aggregateType: "user",
          aggregateId: "u1",
          eventType: "user.human.added",
          payload: { name: "Ada" },
        },
        // No execution matches this type, so it makes no delivery.
        {
          aggregateType: "user",
          aggregateId: "u1",
          eventType: "user.human.changed",
          payload: { name: "Ada L." },
        },
      ],
    });
    assert.deepEqual(
      answer.details.map((d) => d.sequence),
      [1n, 2n],
    );
    await receiver.waitFor(1, "/users");
    const got = receiver.received.find((r) => r.path === "/users")!;
    const body = eventBody(got);
    assert.equal(body.event_type, "user.human.added");
    assert.equal(body.aggregateType, "user");
    assert.equal(body.aggregateID, "u1");
    assert.equal(body.sequence, 1);
    assert.deepEqual(body.event_payload, { name: "Ada" });
    new Webhook(target.signingKey).verify(
      got.body,
      got.headers as Record<string, string>,
    );
    const deliveries = createDeliveryClient(server);
    const changed = await deliveries.listDeliveries({
      queries: [
        {
          query: {
            case: "eventTypeQuery",
            value: { eventType: "user.human.changed" },
          },
        },
      ],
    });
    assert.equal(changed.details?.totalResult, 0n);
    await waitForDeliveryStatus(
      deliveries,
      deliveryIdOf(got.headers["webhook-id"]),
      DeliveryStatus.SUCCEEDED,
    );
  });

  it("accepts events over REST POST /v1/events", async () => {
    const response = await fetch(`${server.baseUrl}/v1/events`, {
      method: "POST",
      headers: { ...authHeaders(server), "content-type": "application/json" },
      body: JSON.stringify({
        events: [
          {
            aggregateType: "user",
            aggregateId: "u2",
            eventType: "user.human.added",
            payload: { name: "Grace" },
          },
        ],
      }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(response.status, 200);
    const answer = (await response.json()) as {
      details: { sequence: string }[];
    };
    assert.equal(answer.details.length, 1);
    assert.equal(answer.details[0]!.sequence, "1");
    await receiver.waitFor(2, "/users");
    const bodies = receiver.received
      .filter((r) => r.path === "/users")
      .map(eventBody);
    assert.deepEqual(bodies[1]!.event_payload, { name: "Grace" });
    assert.equal(bodies[1]!.aggregateID, "u2");
  });

  it("answers 400 over REST for an event type without a group, 401 without a token", async () => {
    const post = (headers: Record<string, string>, eventType: string) =>
      fetch(`${server.baseUrl}/v1/events`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({
          events: [{ aggregateType: "user", aggregateId: "u3", eventType }],
        }),
        signal: AbortSignal.timeout(10_000),
      });
    assert.equal((await post(authHeaders(server), "added")).status, 400);
    assert.equal((await post({}, "user.human.added")).status, 401);
  });
});

describe("a failed delivery sent again with RetryDelivery", {
  timeout: 30_000,
}, () => {
  let server: TestServer;
  let receiver: EventReceiver;
  let targetId: string;

  before(async () => {
    receiver = await startEventReceiver();
    // Down for good: every attempt meets a refused connection.
    await receiver.down();
    server = await startServer({ args: ["--retry-schedule", "0,1s"] });
    targetId = (await addEventTarget(server, "down", `${receiver.url}/down`))
      .id;
    await setEventExecution(server, "group", "order", targetId);
  });
  after(async () => {
    await server?.stop();
    removeData(server);
    await receiver?.down();
  });

  it("fails after the two scheduled attempts, then delivers on retry over REST and gRPC", async () => {
    await createRuntimeClient(server).pushEvents({
      events: [1, 2].map((n) => ({
        aggregateType: "order",
        aggregateId: `o${n}`,
        eventType: "order.placed",
        payload: { n },
      })),
    });
    const deliveries = createDeliveryClient(server, "grpc");
    await waitForStatusCount(deliveries, DeliveryStatus.FAILED, 2, 10_000);
    const failed = await deliveries.listDeliveries({ query: { asc: true } });
    const ids = failed.result.map((d) => d.deliveryId);
    assert.equal(ids.length, 2);
    for (const id of ids) {
      const { delivery } = await deliveries.getDelivery({ deliveryId: id });
      assert.equal(delivery?.status, DeliveryStatus.FAILED);
      assert.deepEqual(
        delivery?.attempts.map((a) => [a.number, a.statusCode]),
        [
          [1, 0],
          [2, 0],
        ],
      );
      assert.notEqual(delivery?.lastError, "");
    }
    assert.equal(
      await codeOf(deliveries.retryDelivery({ deliveryId: "999999" })),
      Code.NotFound,
    );

    await receiver.up();
    const rest = await fetch(
      `${server.baseUrl}/v1/deliveries/${ids[0]}:retry`,
      {
        method: "POST",
        headers: {
          ...authHeaders(server),
          "content-type": "application/json",
        },
        body: "{}",
        signal: AbortSignal.timeout(10_000),
      },
    );
    assert.equal(rest.status, 200);
    const restBody = (await rest.json()) as {
      delivery: { status: string; deliveryId: string };
    };
    assert.equal(restBody.delivery.deliveryId, ids[0]);
    assert.equal(restBody.delivery.status, "DELIVERY_STATUS_PENDING");
    const retried = await deliveries.retryDelivery({ deliveryId: ids[1]! });
    assert.equal(retried.delivery?.status, DeliveryStatus.PENDING);

    await receiver.waitFor(2, "/down");
    assert.deepEqual(
      receiver.received.map((r) => deliveryIdOf(webhookId(r))).sort(),
      [...ids].sort(),
    );
    for (const id of ids) {
      const done = await waitForDeliveryStatus(
        deliveries,
        id,
        DeliveryStatus.SUCCEEDED,
      );
      assert.deepEqual(
        done.attempts.map((a) => [a.number, a.statusCode]),
        [
          [1, 0],
          [2, 0],
          [3, 200],
        ],
      );
    }
    // Only a failed delivery can be retried.
    assert.equal(
      await codeOf(deliveries.retryDelivery({ deliveryId: ids[0]! })),
      Code.FailedPrecondition,
    );
  });
});

describe("event deliveries across a SIGKILL of the server", {
  timeout: 60_000,
}, () => {
  const servers: TestServer[] = [];
  let receiver: EventReceiver;

  before(async () => {
    receiver = await startEventReceiver();
  });
  after(async () => {
    for (const server of servers) {
      await server.kill();
      removeData(server);
    }
    await receiver?.down();
  });

  it("delivers each of 500 pushed events at least once after a restart", { timeout: 30_000 }, async () => {
    receiver.answer(() => ({ status: 503 }));
    // Four attempts 2 s apart: every delivery is still pending when the
    // process dies a moment after the pushes, even on a busy machine.
    const first = await startServer({
      args: ["--retry-schedule", "0,2s,2s,2s"],
    });
    servers.push(first);
    const targetId = (
      await addEventTarget(first, "crash", `${receiver.url}/crash`)
    ).id;
    await setEventExecution(first, "group", "crash", targetId);
    const runtime = createRuntimeClient(first, "connect-binary-1.1");
    for (let batch = 0; batch < 5; batch++) {
      await runtime.pushEvents({
        events: Array.from({ length: 100 }, (_, i) => ({
          aggregateType: "crash",
          aggregateId: `a${batch}`,
          eventType: "crash.happened",
          payload: { n: batch * 100 + i },
        })),
      });
    }
    // Die with about half the deliveries tried once and half untried.
    await receiver.waitFor(250, "/crash");
    const firstDeliveries = createDeliveryClient(first);
    assert.equal(
      await countWithStatus(firstDeliveries, DeliveryStatus.PENDING),
      500,
    );
    await first.kill();
    const seenBeforeRestart = receiver.received.length;
    receiver.answer(() => ({ status: 200 }));

    const second = await startServer({
      dataDir: first.dataDir,
      args: ["--retry-schedule", "0,1s"],
    });
    servers.push(second);
    // Every request from now on comes from the second process and gets 200.
    await waitForStatusCount(
      createDeliveryClient(second),
      DeliveryStatus.SUCCEEDED,
      500,
      20_000,
    );
    const delivered = receiver.received.slice(seenBeforeRestart);
    const ids = new Set(delivered.map(webhookId));
    // A delivery tried before the crash keeps its webhook-id after it.
    for (const early of receiver.received.slice(0, seenBeforeRestart)) {
      assert.ok(ids.has(webhookId(early)), webhookId(early));
    }
    const numbers = new Set(
      delivered.map((r) => (eventBody(r).event_payload as { n: number }).n),
    );
    assert.equal(ids.size, 500);
    assert.equal(numbers.size, 500);
    assert.deepEqual(
      [...numbers].sort((a, b) => a - b),
      Array.from({ length: 500 }, (_, i) => i),
    );
    const deliveries = createDeliveryClient(second);
    assert.equal(await countWithStatus(deliveries, DeliveryStatus.PENDING), 0);
    assert.equal(await countWithStatus(deliveries, DeliveryStatus.FAILED), 0);
  });

  it("keeps a retry planned an hour ahead across a restart", { timeout: 30_000 }, async () => {
    receiver.answer(() => ({ status: 503 }));
    const first = await startServer({ args: ["--retry-schedule", "0,1h"] });
    servers.push(first);
    const later = (
      await addEventTarget(first, "later", `${receiver.url}/later`)
    ).id;
    await setEventExecution(first, "event", "later.happened", later);
    await setEventExecution(first, "event", "soon.happened", later);
    await createRuntimeClient(first).pushEvents({
      events: [
        {
          aggregateType: "later",
          aggregateId: "l1",
          eventType: "later.happened",
        },
      ],
    });
    await receiver.waitFor(1, "/later");
    const id = deliveryIdOf(
      receiver.received.find((r) => r.path === "/later")!.headers["webhook-id"],
    );
    const planned = await waitForAttempts(createDeliveryClient(first), id, 1);
    assert.equal(planned.status, DeliveryStatus.PENDING);
    const nextAt = timestampMs(planned.nextAttemptDate!);
    // 1 h with the worker's jitter of ±20%.
    assert.ok(nextAt - Date.now() > 40 * 60_000, `next at ${nextAt}`);
    await first.kill();
    receiver.answer(() => ({ status: 200 }));

    const second = await startServer({
      dataDir: first.dataDir,
      args: ["--retry-schedule", "0,1s"],
    });
    servers.push(second);
    // A newer event to the same target: the worker sends one delivery per
    // target at a time, the oldest due first, so had the planned retry
    // been due after the restart, it would have come before this one.
    await createRuntimeClient(second).pushEvents({
      events: [
        {
          aggregateType: "soon",
          aggregateId: "s1",
          eventType: "soon.happened",
        },
      ],
    });
    await receiver.waitFor(2, "/later");
    const sent = receiver.received.filter((r) => r.path === "/later");
    assert.deepEqual(
      sent.map((r) => eventBody(r).event_type),
      ["later.happened", "soon.happened"],
    );
    const client = createDeliveryClient(second);
    const { delivery } = await client.getDelivery({ deliveryId: id });
    assert.equal(delivery?.status, DeliveryStatus.PENDING);
    assert.equal(delivery?.attemptCount, 1);
    assert.equal(timestampMs(delivery!.nextAttemptDate!), nextAt);
    // A pending delivery cannot be hurried with RetryDelivery.
    assert.equal(
      await codeOf(client.retryDelivery({ deliveryId: id })),
      Code.FailedPrecondition,
    );
  });
});

describe("delivery settings on the real server", { timeout: 30_000 }, () => {
  const servers: TestServer[] = [];
  let receiver: EventReceiver;

  before(async () => {
    receiver = await startEventReceiver();
  });
  after(async () => {
    for (const server of servers) {
      await server.stop();
      removeData(server);
    }
    await receiver?.down();
  });

  it("sends one delivery at a time with --delivery-concurrency 1", async () => {
    receiver.answer(() => ({ status: 200, delayMs: 300 }));
    const server = await startServer({
      args: ["--delivery-concurrency", "1"],
    });
    servers.push(server);
    const a = await addEventTarget(server, "a", `${receiver.url}/a`);
    const b = await addEventTarget(server, "b", `${receiver.url}/b`);
    await createActionClient(server, "connect-json-1.1").setExecution({
      condition: eventCondition("group", "load"),
      targets: [
        { type: { case: "target", value: a.id } },
        { type: { case: "target", value: b.id } },
      ],
    });
    await createRuntimeClient(server).pushEvents({
      events: [
        { aggregateType: "load", aggregateId: "l1", eventType: "load.run" },
      ],
    });
    await receiver.waitFor(1, "/a");
    await receiver.waitFor(1, "/b");
    // Two targets, so only the global limit keeps them apart; the default
    // of 16 sends both at once.
    assert.equal(receiver.maxOpen(), 1);
    await waitForStatusCount(
      createDeliveryClient(server),
      DeliveryStatus.SUCCEEDED,
      2,
    );
  });

  it("prunes finished deliveries older than --delivery-retention at start", async () => {
    receiver.answer((path) => ({ status: path === "/stuck" ? 503 : 200 }));
    const first = await startServer({ args: ["--retry-schedule", "0,1h"] });
    servers.push(first);
    const done = await addEventTarget(first, "done", `${receiver.url}/done`);
    const stuck = await addEventTarget(first, "stuck", `${receiver.url}/stuck`);
    await createActionClient(first, "connect-json-1.1").setExecution({
      condition: eventCondition("event", "keep.me"),
      targets: [
        { type: { case: "target", value: done.id } },
        { type: { case: "target", value: stuck.id } },
      ],
    });
    await createRuntimeClient(first).pushEvents({
      events: [
        { aggregateType: "keep", aggregateId: "k1", eventType: "keep.me" },
      ],
    });
    await receiver.waitFor(1, "/done");
    await receiver.waitFor(1, "/stuck");
    const doneId = deliveryIdOf(
      receiver.received.find((r) => r.path === "/done")!.headers["webhook-id"],
    );
    const stuckId = deliveryIdOf(
      receiver.received.find((r) => r.path === "/stuck")!.headers["webhook-id"],
    );
    const finished = await waitForDeliveryStatus(
      createDeliveryClient(first),
      doneId,
      DeliveryStatus.SUCCEEDED,
    );
    await waitForAttempts(createDeliveryClient(first), stuckId, 1);
    assert.equal(await first.stop(), 0);

    // The default retention of 7 days keeps it.
    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    const kept = await createDeliveryClient(second).getDelivery({
      deliveryId: doneId,
    });
    assert.equal(kept.delivery?.status, DeliveryStatus.SUCCEEDED);
    assert.equal(await second.stop(), 0);

    // Age is the only condition here, so this waits for the clock: until
    // the delivery finished more than the 1 s retention ago.
    const finishedAt = timestampMs(finished.finishDate!);
    const wait = finishedAt + 1200 - Date.now();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const third = await startServer({
      dataDir: first.dataDir,
      args: ["--delivery-retention", "1s"],
    });
    servers.push(third);
    const client = createDeliveryClient(third);
    assert.equal(
      await codeOf(client.getDelivery({ deliveryId: doneId })),
      Code.NotFound,
    );
    // Pending deliveries are never pruned.
    const pending = await client.getDelivery({ deliveryId: stuckId });
    assert.equal(pending.delivery?.status, DeliveryStatus.PENDING);
  });
});

describe("actionsd execution delete while the server runs", {
  timeout: 30_000,
}, () => {
  let server: TestServer;
  let receiver: EventReceiver;
  let targetId: string;

  before(async () => {
    receiver = await startEventReceiver();
    server = await startServer({ args: ["--retry-schedule", "0,1s"] });
    targetId = (
      await addEventTarget(server, "executions", `${receiver.url}/executions`)
    ).id;
    await setEventExecution(server, "group", "execution", targetId);
    await setEventExecution(server, "event", "user.human.added", targetId);
  });
  after(async () => {
    await server?.stop();
    removeData(server);
    await receiver?.down();
  });

  it("produces an execution.removed delivery that the server sends", async () => {
    const printed = await runCli([
      "execution",
      "delete",
      "--data",
      server.dataDir,
      "--condition",
      JSON.stringify({ event: { event: "user.human.added" } }),
    ]);
    assert.equal(
      (JSON.parse(printed) as { deleted: string }).deleted,
      "event/user.human.added",
    );
    const deadline = Date.now() + 10_000;
    const findRemoved = () =>
      receiver.received.find(
        (r) => eventBody(r).event_type === "execution.removed",
      );
    // The receiver got execution.set deliveries before; wait request by
    // request until the removal is among them.
    let removed = findRemoved();
    while (removed === undefined) {
      await receiver.waitFor(
        receiver.received.length + 1,
        undefined,
        Math.max(1, deadline - Date.now()),
      );
      removed = findRemoved();
    }
    const body = eventBody(removed);
    assert.equal(body.aggregateType, "execution");
    assert.equal(body.aggregateID, "event/user.human.added");
    assert.equal(body.userID, "cli");
    const deliveries = createDeliveryClient(server);
    const listed = await deliveries.listDeliveries({
      queries: [
        {
          query: {
            case: "eventTypeQuery",
            value: { eventType: "execution.removed" },
          },
        },
      ],
    });
    assert.equal(listed.details?.totalResult, 1n);
    assert.equal(
      listed.result[0]!.deliveryId,
      deliveryIdOf(webhookId(removed)),
    );
    assert.equal(listed.result[0]!.targetId, targetId);
    await waitForDeliveryStatus(
      deliveries,
      listed.result[0]!.deliveryId,
      DeliveryStatus.SUCCEEDED,
    );
  });
});

// GetDelivery until the delivery has `count` attempts recorded.
async function waitForAttempts(
  client: ReturnType<typeof createDeliveryClient>,
  deliveryId: string,
  count: number,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { delivery } = await client.getDelivery({ deliveryId });
    if (delivery !== undefined && delivery.attemptCount >= count) {
      return delivery;
    }
    if (Date.now() > deadline) {
      throw new Error(`delivery ${deliveryId}: fewer than ${count} attempts`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
