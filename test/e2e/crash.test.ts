import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createActionClient } from "../support/clients.js";
import { startServer } from "../support/start-server.js";

const timeoutMs = 10_000;

// Enough acknowledged writes that the kill lands in the middle of a busy
// stream, not before the first commit.
const ackedBeforeKill = 40;

describe("a server killed with SIGKILL mid-write", { timeout: 120_000 }, () => {
  it("loses no acknowledged write and reopens consistent", async () => {
    const first = await startServer();
    const client = createActionClient(first, "connect-binary-2");
    const acked: string[] = [];
    let lastAckedTargets: string[] | undefined;
    let inFlightTargets: string[] | undefined;
    let killed: Promise<void> | undefined;
    // Strictly one write in flight, so "acknowledged" is exact.
    for (let i = 0; killed === undefined || i < ackedBeforeKill + 1; i++) {
      try {
        const created = await client.createTarget(
          {
            name: `crash-${i}`,
            targetType: { case: "restAsync", value: {} },
            timeout: { seconds: 1n },
            endpoint: `https://example.com/${i}`,
          },
          { timeoutMs },
        );
        acked.push(created.id);
        const targets = acked.slice(-3);
        inFlightTargets = targets;
        if (acked.length === ackedBeforeKill) {
          // Kill while the next write is on its way.
          killed = first.kill();
        }
        await client.setExecution(
          {
            condition: {
              conditionType: { case: "function", value: "preuserinfo" },
            },
            targets: targets.map((id) => ({
              type: { case: "target" as const, value: id },
            })),
          },
          { timeoutMs },
        );
        lastAckedTargets = targets;
      } catch {
        // The kill cut this write off; it was never acknowledged.
        break;
      }
    }
    await killed;
    assert.ok(acked.length >= ackedBeforeKill - 1, first.output());

    const db = new Database(join(first.dataDir, "actionsd.db"));
    try {
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    } finally {
      db.close();
    }

    const second = await startServer({ dataDir: first.dataDir });
    try {
      const again = createActionClient(second, "connect-json-1.1");
      for (const id of acked) {
        const got = await again.getTargetByID({ targetId: id }, { timeoutMs });
        assert.equal(got.target?.targetId, id);
      }
      const list = await again.listExecutions(
        {
          queries: [
            {
              query: {
                case: "inConditionsQuery",
                value: {
                  conditions: [
                    {
                      conditionType: {
                        case: "function",
                        value: "preuserinfo",
                      },
                    },
                  ],
                },
              },
            },
          ],
        },
        { timeoutMs },
      );
      assert.equal(list.result.length, 1);
      const stored = list.result[0]!.targets.map((t) => t.type.value);
      // Either the last acknowledged list or the one in flight at the kill
      // (committed but not answered) is there, never anything older.
      const allowed = [lastAckedTargets, inFlightTargets].map((t) =>
        JSON.stringify(t),
      );
      assert.ok(allowed.includes(JSON.stringify(stored)), String(stored));
    } finally {
      assert.equal(await second.stop(), 0, second.output());
    }
  });
});
