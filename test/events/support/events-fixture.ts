import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  executionIdOf,
  type Condition,
} from "../../../src/domain/condition.js";
import { createIdGenerator } from "../../../src/domain/id-generator.js";
import { createDeliveryStore } from "../../../src/events/delivery-store.js";
import {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
} from "../../../src/events/delivery-worker.js";
import {
  createEventPusher,
  type EventPusher,
} from "../../../src/events/event-pusher.js";
import { createOutbox } from "../../../src/events/outbox.js";
import {
  createExecutionIndex,
  type ExecutionIndex,
} from "../../../src/runtime/execution-index.js";
import {
  createTargetCaller,
  type TargetCaller,
} from "../../../src/runtime/target-caller.js";
import {
  createActionStore,
  type ActionStore,
  type CommandScope,
} from "../../../src/store/action-store.js";
import { openDatabase, type Db } from "../../../src/store/database.js";
import { openExecutionSnapshot } from "../../../src/store/execution-snapshot-loader.js";

/** The instance and creator of every fixture command. */
export const scope: CommandScope = { instanceId: "inst1", creator: "user1" };

/** A fast schedule for tests: 5 attempts, 20 ms apart and growing. */
export const fastSchedule: readonly number[] = [0, 20, 40, 60, 80];

/** Options of `createEventsFixture`. */
export interface EventsFixtureOptions {
  /** A database file to reuse; default a new one in a temporary folder. */
  readonly path?: string;
  readonly secretKey?: Uint8Array;
  /** Worker options over the fixture's defaults (fast schedule, no jitter). */
  readonly worker?: Partial<DeliveryWorkerOptions>;
}

/** The real parts of event delivery over one SQLite file. */
export interface EventsFixture {
  readonly db: Db;
  readonly path: string;
  readonly secretKey: Uint8Array;
  readonly index: ExecutionIndex;
  readonly store: ActionStore;
  readonly pusher: EventPusher;
  readonly caller: TargetCaller;
  readonly worker: DeliveryWorker;
  readonly deliveries: ReturnType<typeof createDeliveryStore>;
  /** Creates a webhook target; answers its id and signing key. */
  addTarget(
    endpoint: string,
    name?: string,
    timeoutSeconds?: number,
  ): { id: string; signingKey: string };
  /** Sets an event execution listing targets and includes. */
  setEvent(condition: Condition, entries: FixtureEntry[]): void;
  /** Stops the worker, closes the caller and the database. */
  close(options?: { keepFiles?: boolean }): Promise<void>;
}

/** An execution entry: a target id or an included condition. */
export type FixtureEntry =
  | { readonly targetId: string }
  | { readonly include: Condition };

let nameCounter = 0;

/** Creates the fixture; the worker is created but not started. */
export function createEventsFixture(
  options: EventsFixtureOptions = {},
): EventsFixture {
  const folder =
    options.path === undefined
      ? mkdtempSync(join(tmpdir(), "actionsd-events-"))
      : undefined;
  const path = options.path ?? join(folder!, "actionsd.db");
  const secretKey = options.secretKey ?? randomBytes(32);
  const db = openDatabase({ path });
  const index = createExecutionIndex({
    load: (instanceId) => openExecutionSnapshot(db, secretKey, instanceId),
  });
  let worker: DeliveryWorker | undefined;
  const outbox = createOutbox({
    db,
    resolveEvent: (instanceId, eventType) =>
      index.resolveEvent(instanceId, eventType),
    onEnqueue: () => worker?.wake(),
  });
  const store = createActionStore({
    db,
    secretKey,
    ids: createIdGenerator(),
    onChange: (instanceId) => index.onChange(instanceId),
    onAppend: (event) => outbox.onAppend(event),
  });
  const pusher = createEventPusher({
    db,
    onAppend: (event) => outbox.onAppend(event),
  });
  const caller = createTargetCaller();
  worker = createDeliveryWorker({
    db,
    secretKey,
    caller,
    schedule: fastSchedule,
    jitter: 0,
    pollIntervalMs: 50,
    ...options.worker,
  });
  const started = worker;
  return {
    db,
    path,
    secretKey,
    index,
    store,
    pusher,
    caller,
    worker: started,
    deliveries: createDeliveryStore(db),
    addTarget(endpoint, name, timeoutSeconds = 5) {
      nameCounter += 1;
      const created = store.createTarget(scope, {
        name: name ?? `target-${nameCounter}`,
        type: "webhook",
        interruptOnError: false,
        timeout: { seconds: timeoutSeconds, nanos: 0 },
        endpoint,
      });
      return { id: created.id, signingKey: created.signingKey };
    },
    setEvent(condition, entries) {
      store.setExecution(
        scope,
        condition,
        entries.map((entry) =>
          "targetId" in entry
            ? entry
            : { includeId: executionIdOf(entry.include), include: entry.include },
        ),
      );
    },
    async close(closeOptions = {}) {
      await started.stop();
      await caller.close();
      db.close();
      if (folder !== undefined && closeOptions.keepFiles !== true) {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

/** An event condition for a type, a group or all events. */
export function eventCondition(
  scopeName: "event" | "group" | "all",
  value = "",
): Condition {
  return { type: "event", scope: scopeName, value };
}

/**
 * Resolves when `check` answers true, polling every 10 ms; rejects after
 * `timeoutMs` (default 5000) naming `what`.
 */
export async function waitUntil(
  check: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
