// Profiles actionsd under h2load load: starts the server with --cpu-prof,
// runs one case, stops it and prints the functions with the most self time
// and the packages or files the time goes to. The .cpuprofile stays for a
// flame graph (Chrome DevTools, speedscope).
// Run: node <dist>/bench/profile.js [--method GetTargetByID]
//   [--protocol grpc] [--seconds 8] [--out <dir>] [--top 30]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  httpVersionOf,
  requestSpec,
  type BenchMethod,
  type BenchProtocol,
} from "./bench-calls.js";
import { runH2load } from "./h2load-load.js";
import { seedExecutions } from "./in-process.js";
import { sendOnce } from "./request-spec.js";
import { startServerProcess } from "./server-process.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values } = parseArgs({
  options: {
    method: { type: "string", default: "GetTargetByID" },
    protocol: { type: "string", default: "grpc" },
    seconds: { type: "string", default: "8" },
    out: { type: "string" },
    top: { type: "string", default: "30" },
    executions: { type: "string", default: "0" },
  },
});
const method = values.method as BenchMethod;
const protocol = values.protocol as BenchProtocol;
const distRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const work = mkdtempSync(join(tmpdir(), "actionsd-profile-"));
const profileDir = resolve(values.out ?? join(work, "profile"));
const dataDir = join(work, "data");
const args = (profile: boolean) => [
  ...(profile ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []),
  join(distRoot, "src", "cli", "run.js"),
  "serve", "--port", "0", "--data", dataDir,
];

try {
  // A first start without the profiler makes the instance and the target.
  let server = await startServerProcess({
    name: "actionsd", args: args(false), logFile: join(work, "setup.log"),
  });
  const token = readFileSync(join(dataDir, "admin.token"), "utf8").trim();
  const created = await sendOnce(
    `http://127.0.0.1:${server.port}`,
    {
      method: "POST",
      path: "/zitadel.action.v3alpha.ActionService/CreateTarget",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      },
      body: Buffer.from(JSON.stringify({
        name: "profile", restWebhook: {}, timeout: "10s",
        endpoint: "https://example.com/hook",
      })),
    },
    "h1",
  );
  const targetId = (JSON.parse(created.body.toString()) as { id: string }).id;
  await server.stop();
  seedExecutions(dataDir, targetId, 0, Number(values.executions));

  server = await startServerProcess({
    name: "actionsd", args: args(true), logFile: join(work, "actionsd.log"),
  });
  const result = await runH2load({
    baseUrl: `http://127.0.0.1:${server.port}`,
    spec: requestSpec(method, protocol, { token, targetId }, 0),
    version: httpVersionOf(protocol),
    seconds: Number(values.seconds),
    connections: httpVersionOf(protocol) === "h2" ? 1 : 50,
    streams: 50,
    workDir: work,
  });
  await server.stop();
  process.stdout.write(
    `${method} ${protocol}: ${Math.round(result.calls / result.seconds)}/s, ` +
      `${result.failed} failed\n`,
  );
  const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) {
    throw new Error("no profile written (did the server exit cleanly?)");
  }
  summarize(
    JSON.parse(readFileSync(join(profileDir, file), "utf8")) as Profile,
    Number(values.top),
  );
  process.stdout.write(`profile: ${join(profileDir, file)}\n`);
} finally {
  if (values.out === undefined) {
    process.stdout.write(
      "(profile removed with the work folder; pass --out)\n",
    );
  }
  rmSync(work, { recursive: true, force: true });
}

function summarize(profile: Profile, top: number): void {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const node of profile.nodes) {
    const time = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${shortUrl(url)}:${lineNumber + 1}`;
    const name = `${functionName || "(anonymous)"} ${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + time);
    const place = placeOf(url, functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + time);
  }
  const print = (title: string, map: Map<string, number>) => {
    process.stdout.write(`\n${title}\n`);
    const sorted = [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [name, time] of sorted) {
      process.stdout.write(
        `${((time / total) * 100).toFixed(1).padStart(5)}%  ${name}\n`,
      );
    }
  };
  print("self time by place:", byPlace);
  print("self time by function:", byFunction);
}

function shortUrl(url: string): string {
  const at = url.lastIndexOf("node_modules/");
  if (at >= 0) {
    return url.slice(at + "node_modules/".length);
  }
  const dist = url.indexOf("/src/");
  return dist >= 0 ? url.slice(dist + 1) : url.replace(/^file:\/\//, "");
}

function placeOf(url: string, functionName: string): string {
  if (url === "") {
    return functionName.startsWith("(") ? functionName : "(native)";
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) {
    return modules[1]!;
  }
  if (url.startsWith("node:")) {
    return url;
  }
  const src = /\/(src\/[^/]+)\//.exec(url);
  return src !== null ? src[1]! : shortUrl(url);
}
