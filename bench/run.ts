// The benchmark runner (`npm run bench`; not part of `npm test`). It starts
// actionsd, the grpc-js peer and the canned HTTP/2 limit server itself on
// loopback, one at a time, seeds the data, warms up and runs every case
// for a fixed time at fixed concurrency, then prints one table with ratios
// to the peer and the limits and writes it as JSON under bench/results/.
// Run: node <dist>/bench/run.js [--seconds 5] [--warmup 2] [--streams 50]
//   [--connections 50] [--executions 10000] [--only <substring>]
//   [--rounds 3] [--out bench/results] [--skip-executions]
// Every flag has an environment twin: BENCH_SECONDS, BENCH_WARMUP, ...
import { cpus, release } from "node:os";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadAutocannon, type AutocannonRun } from "./autocannon-load.js";
import {
  benchMethods,
  benchProtocols,
  httpVersionOf,
  requestSpec,
  variesPerCall,
  type BenchMethod,
  type BenchProtocol,
  type CallContext,
} from "./bench-calls.js";
import { runExecutionsBench } from "./executions.js";
import { runGrpcJsClient } from "./grpc-js-client.js";
import { hasH2load, h2loadPath, runH2load } from "./h2load-load.js";
import { runInProcess, seedExecutions } from "./in-process.js";
import type { LoadResult } from "./load-result.js";
import { runNodeLoad } from "./node-load.js";
import { sendOnce, type RequestSpec } from "./request-spec.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

/** Which server a row measured. */
type ServerKind = "actionsd" | "grpc-js peer" | "canned h2" | "in-process";

/** One line of the table. */
interface Row {
  readonly method: BenchMethod;
  readonly protocol: BenchProtocol | "none";
  readonly server: ServerKind;
  readonly generator: string;
  /** Executions stored when the case ran. */
  readonly stored: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuSecondsPer1000: number;
  readonly peakRssMb: number;
  readonly failed: number;
  vsPeer?: number;
  vsLimit?: number;
  vsInProcess?: number;
}

const { values: flags } = parseArgs({
  options: {
    seconds: { type: "string" },
    warmup: { type: "string" },
    streams: { type: "string" },
    connections: { type: "string" },
    executions: { type: "string" },
    only: { type: "string" },
    rounds: { type: "string" },
    out: { type: "string" },
    "skip-executions": { type: "boolean" },
  },
});
const setting = (name: string, env: string, fallback: string) =>
  (flags as Record<string, string | undefined>)[name] ??
  process.env[env] ??
  fallback;
const seconds = Number(setting("seconds", "BENCH_SECONDS", "5"));
const warmup = Number(setting("warmup", "BENCH_WARMUP", "2"));
const streams = Number(setting("streams", "BENCH_STREAMS", "50"));
const connections = Number(setting("connections", "BENCH_CONNECTIONS", "50"));
const storedTarget = Number(setting("executions", "BENCH_EXECUTIONS", "10000"));
const only = setting("only", "BENCH_ONLY", "");
// REST and Connect JSON over HTTP/1.1 are compared in this many rounds,
// taking turns, since one round of 50 connections on two cores moves by
// 20 % or more; the goal uses the medians.
const rounds = Math.max(1, Number(setting("rounds", "BENCH_ROUNDS", "3")));
const outDir = resolve(setting("out", "BENCH_OUT", "bench/results"));
const skipExecutions =
  flags["skip-executions"] === true ||
  process.env.BENCH_SKIP_EXECUTIONS === "1";
const smallStored = 100;

const distRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const cliPath = join(distRoot, "src", "cli", "run.js");
const peerPath = join(distRoot, "bench", "peer", "grpc-js-server.js");
const limitPath = join(distRoot, "bench", "limit", "canned-grpc-server.js");

const say = (line: string) => process.stderr.write(`${line}\n`);

const h2loadInstalled = hasH2load();
if (!h2loadInstalled) {
  say(
    `h2load: not found at ${h2loadPath} (apt-get install nghttp2-client); ` +
      "skipped, the cases with a fixed body are left out.",
  );
}
const autocannon = await loadAutocannon();
if (autocannon === undefined) {
  say(
    "autocannon: not installed (npm install --save-dev autocannon); " +
      "skipped, HTTP/1.1 cases run with h2load --h1 and the Node generator.",
  );
}

const work = mkdtempSync(join(tmpdir(), "actionsd-bench-"));
const dataDir = join(work, "data");
const rows: Row[] = [];
/** The extra rounds of the REST and Connect JSON pairs; not in the table. */
const roundRows: Row[] = [];
const canned: Record<string, string> = {};
let writeNumber = 0;
let stored = 0;

try {
  say(`data in ${dataDir}; ${seconds} s per case after ${warmup} s warm-up`);
  // A first start makes the instance, its admin token and the target.
  const setup = await startOurs();
  const token = readFileSync(join(dataDir, "admin.token"), "utf8").trim();
  const targetId = await createTarget(setup, token);
  await setup.stop();
  const calls: CallContext = { token, targetId };

  // The small list first, before the seed makes it large.
  seedExecutions(dataDir, targetId, 0, smallStored);
  stored = smallStored;
  await measure(startOurs, "actionsd", "ListExecutions", "grpc", calls);
  await measure(startPeer, "grpc-js peer", "ListExecutions", "grpc", calls);

  seedExecutions(dataDir, targetId, smallStored, storedTarget);
  stored = storedTarget;
  const reads = benchMethods.filter((m) => !variesPerCall(m));
  for (const method of reads) {
    for (const protocol of benchProtocols) {
      await measure(startOurs, "actionsd", method, protocol, calls);
    }
  }
  for (const method of reads) {
    await restAndConnectRounds(method, calls);
  }
  await clientCheck(startOurs, "actionsd", calls);
  for (const method of reads) {
    await measure(startPeer, "grpc-js peer", method, "grpc", calls);
  }
  await clientCheck(startPeer, "grpc-js peer", calls);
  for (const method of reads) {
    await measure(startLimit, "canned h2", method, "grpc", calls);
  }
  for (const method of reads) {
    await measureInProcess(method, targetId);
  }

  // Writes last: each one adds an execution.
  for (const protocol of benchProtocols) {
    await measure(startOurs, "actionsd", "SetExecution", protocol, calls);
  }
  await measure(startPeer, "grpc-js peer", "SetExecution", "grpc", calls);
  await measure(startLimit, "canned h2", "SetExecution", "grpc", calls);
  await measureInProcess("SetExecution", targetId);
  await restAndConnectRounds("SetExecution", calls);

  addRatios(rows);
  const executions = skipExecutions
    ? undefined
    : await runExecutionsBench(2000, Math.max(1, Math.round(seconds / 2)));
  report(rows, roundRows, executions);
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function startOurs(): Promise<ServerProcess> {
  return startServerProcess({
    name: "actionsd",
    args: [cliPath, "serve", "--port", "0", "--data", dataDir],
    logFile: join(work, "actionsd.log"),
  });
}

async function startPeer(): Promise<ServerProcess> {
  return startServerProcess({
    name: "grpc-js peer",
    args: [peerPath, "--data", dataDir],
    logFile: join(work, "peer.log"),
  });
}

async function startLimit(): Promise<ServerProcess> {
  const file = join(work, "canned.json");
  writeFileSync(file, JSON.stringify(canned));
  return startServerProcess({
    name: "canned h2",
    args: [limitPath, "--responses", file],
    logFile: join(work, "limit.log"),
  });
}

async function createTarget(server: ServerProcess, token: string) {
  const answer = await sendOnce(
    `http://127.0.0.1:${server.port}`,
    {
      method: "POST",
      path: "/zitadel.action.v3alpha.ActionService/CreateTarget",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      },
      body: Buffer.from(
        JSON.stringify({
          name: "bench",
          restWebhook: {},
          timeout: "10s",
          endpoint: "https://example.com/hook",
        }),
      ),
    },
    "h1",
  );
  if (answer.status !== 200) {
    throw new Error(`CreateTarget answered ${answer.status}: ${answer.body}`);
  }
  return (JSON.parse(answer.body.toString()) as { id: string }).id;
}

/**
 * Runs one case on a server of its own, so its CPU and peak RSS are those
 * of this case alone.
 */
async function measure(
  start: () => Promise<ServerProcess>,
  kind: ServerKind,
  method: BenchMethod,
  protocol: BenchProtocol,
  calls: CallContext,
  into: Row[] = rows,
): Promise<void> {
  const label = `${method} ${protocol} ${kind} (${stored} stored)`;
  if (only !== "" && !label.includes(only)) {
    return;
  }
  if (needsH2load(method, protocol) && !h2loadInstalled) {
    return;
  }
  const server = await start();
  try {
    await measureOn(server, label, kind, method, protocol, calls, into);
  } finally {
    await server.stop();
  }
}

/**
 * Runs the REST and Connect JSON (HTTP/1.1) cases of `method` again,
 * `rounds - 1` times, taking turns which goes first, so that the machine's
 * drift lands on both; the table keeps the first round.
 */
async function restAndConnectRounds(
  method: BenchMethod,
  calls: CallContext,
): Promise<void> {
  const pair: BenchProtocol[] = ["rest-h1", "connect-json-h1"];
  for (let round = 1; round < rounds; round++) {
    for (const protocol of round % 2 === 1 ? pair : [...pair].reverse()) {
      await measure(startOurs, "actionsd", method, protocol, calls, roundRows);
    }
  }
}

async function measureOn(
  server: ServerProcess,
  label: string,
  kind: ServerKind,
  method: BenchMethod,
  protocol: BenchProtocol,
  calls: CallContext,
  into: Row[],
): Promise<void> {
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const version = httpVersionOf(protocol);
  const spec = (n: number) => requestSpec(method, protocol, calls, n);
  const check = await sendOnce(baseUrl, spec(writeNumber++), version).catch(
    (error: Error) => error,
  );
  const isGrpc = protocol === "grpc" || protocol === "grpc-web-h1";
  if (
    check instanceof Error ||
    check.status !== 200 ||
    (isGrpc && check.grpcStatus !== "0")
  ) {
    const why =
      check instanceof Error
        ? check.message
        : `HTTP ${check.status}, grpc-status ${check.grpcStatus}, ` +
          check.body.toString("utf8", 0, 200);
    say(`${label}: skipped, the check call failed: ${why}`);
    return;
  }
  if (kind === "actionsd" && protocol === "grpc") {
    canned[`/zitadel.action.v3alpha.ActionService/${method}`] =
      check.body.toString("base64");
  }
  const { generator, run } = generatorFor(baseUrl, method, protocol, spec);
  await run(warmup);
  const cpuBefore = server.cpuSeconds();
  const result = await run(seconds);
  const cpu = server.cpuSeconds() - cpuBefore;
  into.push(rowOf(method, protocol, kind, generator, result, cpu, server));
  const rate = Math.round(result.calls / result.seconds);
  say(`${label} [${generator}]: ${rate}/s`);
}

// Fixed bodies go to h2load, except HTTP/1.1 ones when autocannon is
// there; bodies that change per call go to autocannon or the Node
// generator.
function needsH2load(method: BenchMethod, protocol: BenchProtocol): boolean {
  if (variesPerCall(method)) {
    return false;
  }
  return httpVersionOf(protocol) === "h2" || autocannon === undefined;
}

function generatorFor(
  baseUrl: string,
  method: BenchMethod,
  protocol: BenchProtocol,
  spec: (n: number) => RequestSpec,
): { generator: string; run: (s: number) => Promise<LoadResult> } {
  const version = httpVersionOf(protocol);
  const isGrpc = protocol === "grpc" || protocol === "grpc-web-h1";
  const varies = variesPerCall(method);
  const ac: AutocannonRun | undefined = autocannon;
  if (version === "h1" && ac !== undefined) {
    return {
      generator: "autocannon",
      run: async (s) => {
        const first = writeNumber;
        writeNumber += 10_000_000;
        return ac({
          baseUrl,
          spec: (n) => spec(first + n),
          seconds: s,
          connections,
        });
      },
    };
  }
  if (varies) {
    return {
      generator: "node",
      run: async (s) => {
        const result = await runNodeLoad({
          baseUrl,
          spec,
          firstNumber: writeNumber,
          version,
          seconds: s,
          concurrency: version === "h2" ? streams : connections,
          grpc: isGrpc,
        });
        writeNumber = result.nextNumber;
        return result;
      },
    };
  }
  return {
    generator: version === "h2" ? "h2load" : "h2load --h1",
    run: (s) =>
      runH2load({
        baseUrl,
        spec: spec(0),
        version,
        seconds: s,
        connections: version === "h2" ? 1 : connections,
        streams,
        workDir: work,
      }),
  };
}

async function clientCheck(
  start: () => Promise<ServerProcess>,
  kind: ServerKind,
  calls: CallContext,
): Promise<void> {
  if (only !== "" && !`GetTargetByID grpc ${kind} grpc-js`.includes(only)) {
    return;
  }
  const server = await start();
  try {
    await clientCheckOn(server, kind, calls);
  } finally {
    await server.stop();
  }
}

async function clientCheckOn(
  server: ServerProcess,
  kind: ServerKind,
  calls: CallContext,
): Promise<void> {
  const cpuBefore = server.cpuSeconds();
  const result = await runGrpcJsClient({
    port: server.port,
    token: calls.token,
    targetId: calls.targetId,
    seconds,
    warmupSeconds: warmup,
    concurrency: streams,
  });
  // The CPU includes the warm-up here; the client runs both in one go.
  const cpu = server.cpuSeconds() - cpuBefore;
  const row = rowOf(
    "GetTargetByID", "grpc", kind, "grpc-js client", result, cpu, server,
  );
  rows.push({
    ...row,
    cpuSecondsPer1000: Number.NaN,
  });
  say(`GetTargetByID grpc ${kind} [grpc-js client]: ${row.callsPerSecond}/s`);
}

async function measureInProcess(method: BenchMethod, targetId: string) {
  const label = `${method} in-process (${stored} stored)`;
  if (only !== "" && !label.includes(only)) {
    return;
  }
  const result = await runInProcess({
    dataDir,
    method,
    targetId,
    seconds,
    warmupSeconds: warmup,
    firstNumber: writeNumber,
  });
  writeNumber = result.nextNumber;
  rows.push({
    method,
    protocol: "none",
    server: "in-process",
    generator: "direct call",
    stored,
    callsPerSecond: Math.round(result.calls / result.seconds),
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    cpuSecondsPer1000: (result.cpuSeconds / result.calls) * 1000,
    peakRssMb: Number.NaN,
    failed: 0,
  });
  say(`${label}: ${Math.round(result.calls / result.seconds)}/s`);
}

function rowOf(
  method: BenchMethod,
  protocol: BenchProtocol,
  server: ServerKind,
  generator: string,
  result: LoadResult,
  cpu: number,
  process: ServerProcess,
): Row {
  return {
    method,
    protocol,
    server,
    generator,
    stored,
    callsPerSecond: Math.round(result.calls / result.seconds),
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    cpuSecondsPer1000:
      result.calls > 0 ? (cpu / result.calls) * 1000 : Number.NaN,
    peakRssMb: process.peakRssMb(),
    failed: result.failed,
  };
}

// Ours against the peer and the limits of the same method, with the same
// generator where there is one (the limits only speak gRPC).
function addRatios(all: Row[]): void {
  const find = (server: ServerKind, method: BenchMethod, generator?: string) =>
    all.find(
      (row) =>
        row.server === server &&
        row.method === method &&
        (method !== "ListExecutions" || row.stored === storedTarget) &&
        (generator === undefined || row.generator === generator),
    );
  for (const row of all) {
    if (row.server !== "actionsd") {
      continue;
    }
    const sameStored = (other: Row | undefined) =>
      other !== undefined && other.stored === row.stored ? other : undefined;
    const peer =
      sameStored(
        all.find(
          (r) =>
            r.server === "grpc-js peer" &&
            r.method === row.method &&
            r.stored === row.stored &&
            r.generator === row.generator,
        ),
      ) ??
      all.find(
        (r) =>
          r.server === "grpc-js peer" &&
          r.method === row.method &&
          r.stored === row.stored &&
          r.generator !== "grpc-js client",
      );
    const limit = find(
      "canned h2",
      row.method,
      variesPerCall(row.method) ? "node" : "h2load",
    );
    const inProcess = find("in-process", row.method);
    if (peer !== undefined) {
      row.vsPeer = row.callsPerSecond / peer.callsPerSecond;
    }
    if (limit !== undefined) {
      row.vsLimit = row.callsPerSecond / limit.callsPerSecond;
    }
    if (inProcess !== undefined) {
      row.vsInProcess = row.callsPerSecond / inProcess.callsPerSecond;
    }
  }
}

function report(
  all: readonly Row[],
  extraRounds: readonly Row[],
  executions: Awaited<ReturnType<typeof runExecutionsBench>> | undefined,
): void {
  const header = [
    "method", "protocol", "server", "generator", "stored", "calls/s",
    "p50 ms", "p99 ms", "CPU s/1k", "RSS MB", "x peer", "x limit", "x in-proc",
  ];
  const fixed = (n: number | undefined, digits: number) =>
    n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits);
  const lines = all.map((row) => [
    row.method,
    row.protocol,
    row.server,
    row.generator,
    String(row.stored),
    String(row.callsPerSecond),
    fixed(row.p50Ms, 2),
    fixed(row.p99Ms, 2),
    fixed(row.cpuSecondsPer1000, 3),
    fixed(row.peakRssMb, 0),
    fixed(row.vsPeer, 2),
    fixed(row.vsLimit, 2),
    fixed(row.vsInProcess, 2),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => line[i]!.length)),
  );
  const format = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  const out = [
    format(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...lines.map(format),
  ];
  const goals = goalsOf(all, extraRounds);
  out.push("", "Goals:");
  for (const goal of goals) {
    out.push(
      `- ${goal.met ? "met" : "NOT met"}: ${goal.name}: ${goal.value}`,
    );
  }
  if (executions !== undefined) {
    out.push(
      "",
      "Executions (bench/executions.ts, in-process Connect gRPC):",
      `- one webhook target adds p50 ${executions.addedP50Ms} ms, ` +
        `p99 ${executions.addedP99Ms} ms`,
      `- no matching execution: ${executions.noMatchPerSecond}/s vs ` +
        `${executions.withoutInterceptorPerSecond}/s without the interceptor`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = join(outDir, `${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        machine: {
          cpus: cpus().length,
          model: cpus()[0]?.model ?? "",
          node: process.version,
          kernel: release(),
        },
        settings: { seconds, warmup, streams, connections, storedTarget },
        rows: all,
        roundRows: extraRounds,
        goals,
        executions,
      },
      null,
      2,
    )}\n`,
  );
  say(`written ${file}`);
}

function goalsOf(all: readonly Row[], extraRounds: readonly Row[]) {
  const pick = (
    server: ServerKind,
    method: BenchMethod,
    protocol: string,
    storedCount = storedTarget,
  ) =>
    all.find(
      (r) =>
        r.server === server &&
        r.method === method &&
        r.protocol === protocol &&
        r.stored === storedCount &&
        r.generator !== "grpc-js client",
    )?.callsPerSecond;
  const goals: { name: string; value: string; met: boolean }[] = [];
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a / b;
  const grpcVsPeer = ratio(
    pick("actionsd", "GetTargetByID", "grpc"),
    pick("grpc-js peer", "GetTargetByID", "grpc"),
  );
  goals.push({
    name: "gRPC GetTargetByID at least 0.6 of the grpc-js peer",
    value: grpcVsPeer === undefined ? "not measured" : grpcVsPeer.toFixed(2),
    met: grpcVsPeer !== undefined && grpcVsPeer >= 0.6,
  });
  // Every round of a pair: the table's row and the extra rounds.
  const ratesOf = (method: BenchMethod, protocol: BenchProtocol) =>
    [...all, ...extraRounds]
      .filter(
        (r) =>
          r.server === "actionsd" &&
          r.method === method &&
          r.protocol === protocol,
      )
      .map((r) => r.callsPerSecond);
  for (const method of benchMethods) {
    const rest = ratesOf(method, "rest-h1");
    const connect = ratesOf(method, "connect-json-h1");
    const restVsConnect = ratio(median(rest), median(connect));
    if (restVsConnect !== undefined) {
      const each = rest
        .map((r, i) => (connect[i] ? (r / connect[i]).toFixed(2) : "-"))
        .join(", ");
      goals.push({
        name:
          `${method}: REST within 20% of Connect JSON (HTTP/1.1, ` +
          `medians of ${rest.length} rounds)`,
        value: `${restVsConnect.toFixed(2)} (per round ${each})`,
        met: Math.abs(restVsConnect - 1) <= 0.2,
      });
    }
  }
  const listRatio = ratio(
    pick("actionsd", "ListExecutions", "grpc", storedTarget),
    pick("actionsd", "ListExecutions", "grpc", smallStored),
  );
  goals.push({
    name:
      `ListExecutions with ${storedTarget} stored within 25% of ` +
      String(smallStored),
    value: listRatio === undefined ? "not measured" : listRatio.toFixed(2),
    met: listRatio !== undefined && listRatio >= 0.75,
  });
  const peak = Math.max(
    ...all.filter((r) => r.server === "actionsd").map((r) => r.peakRssMb),
  );
  goals.push({
    name: "actionsd peak RSS under load below 200 MB",
    value: Number.isFinite(peak) ? `${peak.toFixed(0)} MB` : "not measured",
    met: Number.isFinite(peak) && peak < 200,
  });
  return goals;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
