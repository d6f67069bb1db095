import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../../src/store/database.js";
import {
  startEventReceiver,
  type EventReceiver,
} from "./support/event-receiver.js";
import {
  createEventsFixture,
  eventCondition,
} from "./support/events-fixture.js";

const script = join(
  dirname(fileURLToPath(import.meta.url)),
  "support",
  "delivery-process.js",
);

/** Spawns the delivery process and resolves once it printed `line`. */
function spawnProcess(
  args: string[],
  line: string,
): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${line}": ${output}`)), 15_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.split("\n").includes(line)) {
        clearTimeout(timer);
        resolve({ child, exited });
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before "${line}": ${output}`));
    });
  });
}

describe("event delivery across a crash", { timeout: 60_000 }, () => {
  const folder = mkdtempSync(join(tmpdir(), "actionsd-crash-"));
  const path = join(folder, "actionsd.db");
  const key = randomBytes(32);
  let receiver: EventReceiver | undefined;
  after(async () => {
    await receiver?.down();
    rmSync(folder, { recursive: true, force: true });
  });

  it("delivers every event at least once after SIGKILL with 500 pending", async () => {
    receiver = await startEventReceiver();
    // Slow answers keep most deliveries pending when the process dies.
    receiver.answer(() => ({ status: 200, delayMs: 3 }));
    const setup = createEventsFixture({ path, secretKey: key });
    const target = setup.addTarget(`${receiver.url}/crash`);
    setup.setEvent(eventCondition("group", "crash"), [{ targetId: target.id }]);
    await setup.close({ keepFiles: true });

    const first = await spawnProcess([path, key.toString("hex"), "push"], "pushed");
    await receiver.waitFor(20);
    first.child.kill("SIGKILL");
    await first.exited;

    const db = openDatabase({ path });
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    const events = count(
      "SELECT count(*) FROM events WHERE event_type = 'crash.happened'",
    );
    assert.equal(events, 500);
    const pending = count("SELECT count(*) FROM deliveries WHERE status = 'pending'");
    assert.ok(pending > 0, "the kill left no pending delivery");
    const receivedBeforeRestart = receiver.received.length;
    assert.ok(receivedBeforeRestart < 500, "everything was sent before the kill");

    const second = await spawnProcess([path, key.toString("hex"), "resume"], "ready");
    const delivered = () =>
      new Set(
        receiver!.received.map((r) => {
          const body = JSON.parse(r.body) as { aggregateID: string; sequence: number };
          return `${body.aggregateID}/${body.sequence}`;
        }),
      );
    const deadline = Date.now() + 30_000;
    while (delivered().size < 500 && Date.now() < deadline) {
      await receiver.waitFor(receiver.received.length + 1, undefined, 5000);
    }
    second.child.kill("SIGTERM");
    await second.exited;

    const logged = db
      .prepare(
        `SELECT aggregate_id || '/' || sequence FROM events
         WHERE event_type = 'crash.happened'`,
      )
      .pluck()
      .all() as string[];
    const got = delivered();
    assert.deepEqual(logged.filter((id) => !got.has(id)), []);
    assert.equal(got.size, 500);
    assert.equal(
      count("SELECT count(*) FROM deliveries WHERE status <> 'succeeded'"),
      0,
    );
    // The webhook-id names the delivery, so a resend after the crash
    // repeats the id the receiver may have seen.
    const ids = receiver.received.map((r) => r.headers["webhook-id"]);
    assert.equal(new Set(ids).size, 500);
    db.close();
  });
});
