// Benchmark (not a test): event delivery throughput. Reports events
// written per second with one event execution configured (each event in
// its own transaction, as one PushEvents call of one event writes it, and
// the same without an execution for comparison), and sustained deliveries
// per second to a loopback receiver that answers at once, for one target
// (sent in order, one at a time) and for 16 targets (the default total
// concurrency).
// Run: node <dist>/bench/events.js [--seconds S] [--deliveries N]
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { createIdGenerator } from "../src/domain/id-generator.js";
import { createDeliveryWorker } from "../src/events/delivery-worker.js";
import { createEventPusher } from "../src/events/event-pusher.js";
import { createOutbox } from "../src/events/outbox.js";
import { createExecutionIndex } from "../src/runtime/execution-index.js";
import { createTargetCaller } from "../src/runtime/target-caller.js";
import { createActionStore } from "../src/store/action-store.js";
import { openDatabase } from "../src/store/database.js";
import { openExecutionSnapshot } from "../src/store/execution-snapshot-loader.js";

/** The figures the README's performance section quotes. */
export interface EventsBenchResult {
  readonly seconds: number;
  /** Single-event transactions per second, nothing matching. */
  readonly eventsWrittenPerSecondNoExecution: number;
  /** The same with one event execution of one target (one outbox row). */
  readonly eventsWrittenPerSecondOneExecution: number;
  readonly deliveries: number;
  /** To one target: one request at a time, in event order. */
  readonly deliveriesPerSecondOneTarget: number;
  /** Spread over 16 targets, 16 requests in flight. */
  readonly deliveriesPerSecondSixteenTargets: number;
}

/**
 * Runs the benchmark on a database file in a temporary folder (WAL, as
 * the server uses it): writes for `seconds` each, then delivers
 * `deliveries` events per target setup.
 */
export async function runEventsBench(
  seconds = 3,
  deliveries = 5000,
): Promise<EventsBenchResult> {
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received += 1;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  const folder = mkdtempSync(join(tmpdir(), "actionsd-bench-events-"));
  const db = openDatabase({ path: join(folder, "actionsd.db") });
  const secretKey = randomBytes(32);
  const scope = { instanceId: "bench", creator: "bench" };
  const index = createExecutionIndex({
    load: (id) => openExecutionSnapshot(db, secretKey, id),
  });
  const caller = createTargetCaller();
  // A stopped worker does not start again, so each run makes its own.
  let worker = createDeliveryWorker({ db, secretKey, caller });
  const outbox = createOutbox({
    db,
    resolveEvent: (i, t) => index.resolveEvent(i, t),
    onEnqueue: () => worker.wake(),
  });
  const onAppend = outbox.onAppend;
  const store = createActionStore({
    db,
    secretKey,
    ids: createIdGenerator(),
    onChange: (id) => index.onChange(id),
    onAppend,
  });
  const pusher = createEventPusher({ db, onAppend });
  const targets = Array.from({ length: 16 }, (_, i) =>
    store.createTarget(scope, {
      name: `bench-${i}`,
      type: "webhook",
      interruptOnError: false,
      timeout: { seconds: 10, nanos: 0 },
      endpoint: `${url}${i}`,
    }).id,
  );
  const push = (eventType: string) =>
    pusher.push(scope, [
      {
        aggregateType: "bench",
        aggregateId: "a1",
        eventType,
        payload: { at: Date.now() },
      },
    ]);
  const writes = async (eventType: string) => {
    const end = Date.now() + seconds * 1000;
    let count = 0;
    const started = Date.now();
    while (Date.now() < end) {
      for (let i = 0; i < 100; i++) {
        push(eventType);
      }
      count += 100;
      // Yield like a server between calls.
      await new Promise((r) => setImmediate(r));
    }
    return count / ((Date.now() - started) / 1000);
  };
  const deliver = async (eventType: string, events: number, fanout: number) => {
    const before = received;
    for (let i = 0; i < events; i++) {
      push(eventType);
    }
    const count = events * fanout;
    worker = createDeliveryWorker({ db, secretKey, caller });
    const started = Date.now();
    worker.start();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (received - before >= count && worker.inFlight() === 0) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const rate = count / ((Date.now() - started) / 1000);
    await worker.stop();
    return rate;
  };

  try {
    const noExecution = await writes("bench.none");
    store.setExecution(
      scope,
      { type: "event", scope: "event", value: "bench.one" },
      [{ targetId: targets[0]! }],
    );
    const oneExecution = await writes("bench.one");
    // The writes above left a backlog for target 0; clear it so the
    // delivery runs below start from an empty outbox.
    db.exec("DELETE FROM deliveries");
    const oneTarget = await deliver("bench.one", deliveries, 1);
    store.setExecution(
      scope,
      { type: "event", scope: "event", value: "bench.many" },
      targets.map((targetId) => ({ targetId })),
    );
    const manyTargets = await deliver(
      "bench.many",
      Math.ceil(deliveries / 16),
      16,
    );
    return {
      seconds,
      eventsWrittenPerSecondNoExecution: Math.round(noExecution),
      eventsWrittenPerSecondOneExecution: Math.round(oneExecution),
      deliveries,
      deliveriesPerSecondOneTarget: Math.round(oneTarget),
      deliveriesPerSecondSixteenTargets: Math.round(manyTargets),
    };
  } finally {
    await worker.stop();
    await caller.close();
    db.close();
    await new Promise<void>((r) => receiver.close(() => r()));
    rmSync(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "3" },
      deliveries: { type: "string", default: "5000" },
    },
  });
  const result = await runEventsBench(
    Number(values.seconds),
    Number(values.deliveries),
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
