import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { tuneHeapGrowth } from "../../src/cli/heap-growth.js";

const run = promisify(execFile);
const heapGrowth = new URL("../../src/cli/heap-growth.js", import.meta.url).href;

// Keeps 200,000 small objects alive on a ring and replaces them one by one:
// each outlives a few scavenges, lands in the old generation and dies
// there, the pattern of requests in flight under load. Prints the largest
// old generation seen, in MiB (the young one has a fixed maximum, which
// would only blur the comparison).
const workload = (tune: boolean) => `
  import { getHeapSpaceStatistics } from "node:v8";
  import { tuneHeapGrowth } from ${JSON.stringify(heapGrowth)};
  if (${tune}) tuneHeapGrowth([], "");
  const oldSpace = () =>
    getHeapSpaceStatistics().find((s) => s.space_name === "old_space").space_size;
  const ring = new Array(200000);
  let peak = 0;
  for (let i = 0; i < 2000000; i++) {
    ring[i % ring.length] = { i, name: "item-" + i, pair: [i, i + 1] };
    if (i % 10000 === 0) peak = Math.max(peak, oldSpace());
  }
  console.log(Math.round(peak / 1048576));
`;

async function peakOldSpaceMb(tune: boolean): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    ["--input-type=module", "-e", workload(tune)],
    { timeout: 60_000 },
  );
  return Number(stdout.trim());
}

describe("tuneHeapGrowth", () => {
  it("keeps the old generation closer to what survives", async () => {
    const untuned = await peakOldSpaceMb(false);
    const tuned = await peakOldSpaceMb(true);
    assert.ok(
      tuned < untuned * 0.8,
      `peak old space ${tuned} MiB tuned against ${untuned} MiB untuned`,
    );
  });

  it("leaves a growing factor the operator set on node's command line", () => {
    assert.equal(tuneHeapGrowth(["--heap-growing-percent=300"], ""), false);
    assert.equal(tuneHeapGrowth(["--heap_growing_percent=300"], ""), false);
  });

  it("leaves a growing factor the operator set in NODE_OPTIONS", () => {
    assert.equal(
      tuneHeapGrowth([], "--max-old-space-size=900 --heap-growing-percent=20"),
      false,
    );
  });

  it("sets it otherwise", () => {
    assert.equal(tuneHeapGrowth(["--enable-source-maps"], "--trace-warnings"), true);
  });
});
