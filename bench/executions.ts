// Benchmark (not a test): what request executions cost on GetTargetByID
// over gRPC. Reports the added latency of one webhook target on loopback
// (p50, p99) against the same call without executions, and calls per
// second with and without the execution interceptor when nothing matches.
// Run: node <dist>/bench/executions.js [--calls N] [--seconds S]
import { create } from "@bufbuild/protobuf";
import {
  createClient,
  type Interceptor,
  type ServiceImpl,
} from "@connectrpc/connect";
import {
  connectNodeAdapter,
  createGrpcTransport,
} from "@connectrpc/connect-node";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { ActionService } from "../gen/zitadel/action/v3alpha/action_service_pb.js";
import { TargetSchema } from "../gen/zitadel/action/v3alpha/target_pb.js";
import { callerKey } from "../src/auth/caller.js";
import type { ExecutionSnapshot } from "../src/domain/execution-snapshot.js";
import { generateSigningKey } from "../src/domain/signing-key.js";
import { createExecutionIndex } from "../src/runtime/execution-index.js";
import { createExecutionInterceptor } from "../src/runtime/execution-interceptor.js";
import { createTargetCaller } from "../src/runtime/target-caller.js";

/** The figures the README's performance section quotes. */
export interface ExecutionsBenchResult {
  readonly calls: number;
  readonly seconds: number;
  readonly baselineP50Ms: number;
  readonly baselineP99Ms: number;
  readonly webhookP50Ms: number;
  readonly webhookP99Ms: number;
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
  readonly withoutInterceptorPerSecond: number;
  readonly noMatchPerSecond: number;
}

/** Runs the benchmark with `calls` sequential calls per latency series. */
export async function runExecutionsBench(
  calls = 2000,
  seconds = 3,
): Promise<ExecutionsBenchResult> {
  const hook = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;

  const method = "/zitadel.action.v3alpha.ActionService/GetTargetByID";
  let snapshot: ExecutionSnapshot = { executions: new Map(), targets: new Map() };
  const index = createExecutionIndex({ load: () => snapshot });
  const caller = createTargetCaller();
  const setCaller: Interceptor = (next) => (req) => {
    req.contextValues.set(callerKey, {
      instanceId: "bench",
      userId: "u",
      orgId: "",
      projectId: "",
      roles: [],
      permissions: new Set<string>(),
    });
    return next(req);
  };
  const impl: Partial<ServiceImpl<typeof ActionService>> = {
    getTargetByID(request) {
      return {
        target: create(TargetSchema, {
          targetId: request.targetId,
          name: "bench",
          endpoint: "https://example.com/",
        }),
      };
    },
  };
  const plain = await serve([setCaller], impl);
  const intercepted = await serve(
    [setCaller, createExecutionInterceptor({ index, caller })],
    impl,
  );

  const target = {
    id: "t1",
    name: "hook",
    type: "webhook" as const,
    interruptOnError: true,
    timeoutMs: 5000,
    endpoint: hookUrl,
    signingKey: generateSigningKey(),
  };
  const noExecutions: ExecutionSnapshot = {
    executions: new Map(),
    targets: new Map(),
  };
  const oneWebhook: ExecutionSnapshot = {
    executions: new Map([[`request${method}`, [{ targetId: "t1" }]]]),
    targets: new Map([["t1", target]]),
  };
  const use = (next: ExecutionSnapshot) => {
    snapshot = next;
    index.onChange("bench");
  };

  // Client and servers share this process, so whatever else the machine
  // does lands on both sides alike only when the series take turns: each
  // is measured in rounds, alternating, and the rounds are pooled.
  const plainClient = warmClient(plain.url);
  const interceptedClient = warmClient(intercepted.url);
  const baselineSamples: number[] = [];
  const webhookSamples: number[] = [];
  let plainCalls = 0;
  let noMatchCalls = 0;
  let plainSeconds = 0;
  let noMatchSeconds = 0;
  for (let i = 0; i < rounds; i++) {
    use(oneWebhook);
    baselineSamples.push(...(await latencies(await plainClient, calls / rounds)));
    webhookSamples.push(
      ...(await latencies(await interceptedClient, calls / rounds)),
    );
    use(noExecutions);
    const withoutInterceptor = await throughput(await plainClient, seconds / rounds);
    plainCalls += withoutInterceptor.calls;
    plainSeconds += withoutInterceptor.seconds;
    const noMatch = await throughput(await interceptedClient, seconds / rounds);
    noMatchCalls += noMatch.calls;
    noMatchSeconds += noMatch.seconds;
  }
  const baseline = percentiles(baselineSamples);
  const webhook = percentiles(webhookSamples);
  const withoutInterceptorPerSecond = plainCalls / plainSeconds;
  const noMatchPerSecond = noMatchCalls / noMatchSeconds;

  await plain.close();
  await intercepted.close();
  await caller.close();
  await new Promise<void>((r) => hook.close(() => r()));

  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    calls,
    seconds,
    baselineP50Ms: round(baseline.p50),
    baselineP99Ms: round(baseline.p99),
    webhookP50Ms: round(webhook.p50),
    webhookP99Ms: round(webhook.p99),
    addedP50Ms: round(webhook.p50 - baseline.p50),
    addedP99Ms: round(webhook.p99 - baseline.p99),
    withoutInterceptorPerSecond: Math.round(withoutInterceptorPerSecond),
    noMatchPerSecond: Math.round(noMatchPerSecond),
  };
}

async function serve(
  interceptors: Interceptor[],
  impl: Partial<ServiceImpl<typeof ActionService>>,
) {
  const server = createServer(
    connectNodeAdapter({
      interceptors,
      routes: (router) => router.service(ActionService, impl),
    }),
  );
  const sessions = new Set<Http2Session>();
  server.on("session", (s: Http2Session) => sessions.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sessions) {
        s.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

type BenchClient = ReturnType<typeof createClient<typeof ActionService>>;

// How many turns each series gets; see runExecutionsBench.
const rounds = 5;

async function warmClient(baseUrl: string): Promise<BenchClient> {
  const client = createClient(ActionService, createGrpcTransport({ baseUrl }));
  // Warm up the connection and the JIT before anything is measured.
  for (let i = 0; i < 300; i++) {
    await client.getTargetByID({ targetId: "1" });
  }
  return client;
}

async function latencies(client: BenchClient, calls: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = process.hrtime.bigint();
    await client.getTargetByID({ targetId: "1" });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples;
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

async function throughput(
  client: BenchClient,
  seconds: number,
): Promise<{ calls: number; seconds: number }> {
  const end = Date.now() + seconds * 1000;
  let calls = 0;
  const worker = async () => {
    while (Date.now() < end) {
      await client.getTargetByID({ targetId: "1" });
      calls += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 32 }, worker));
  return { calls, seconds: (Date.now() - started) / 1000 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      calls: { type: "string", default: "2000" },
      seconds: { type: "string", default: "3" },
    },
  });
  const result = await runExecutionsBench(
    Number(values.calls),
    Number(values.seconds),
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
