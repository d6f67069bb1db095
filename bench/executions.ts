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

  const baseline = await latencies(plain.url, calls);
  const withoutInterceptorPerSecond = await throughput(plain.url, seconds);
  const noMatchPerSecond = await throughput(intercepted.url, seconds);

  const target = {
    id: "t1",
    name: "hook",
    type: "webhook" as const,
    interruptOnError: true,
    timeoutMs: 5000,
    endpoint: hookUrl,
    signingKey: generateSigningKey(),
  };
  snapshot = {
    executions: new Map([[`request${method}`, [{ targetId: "t1" }]]]),
    targets: new Map([["t1", target]]),
  };
  index.onChange("bench");
  const webhook = await latencies(intercepted.url, calls);

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

async function latencies(baseUrl: string, calls: number) {
  const client = createClient(ActionService, createGrpcTransport({ baseUrl }));
  // Warm up connections and the JIT before measuring.
  for (let i = 0; i < 200; i++) {
    await client.getTargetByID({ targetId: "1" });
  }
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = process.hrtime.bigint();
    await client.getTargetByID({ targetId: "1" });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

async function throughput(baseUrl: string, seconds: number): Promise<number> {
  const client = createClient(ActionService, createGrpcTransport({ baseUrl }));
  for (let i = 0; i < 200; i++) {
    await client.getTargetByID({ targetId: "1" });
  }
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < end) {
      await client.getTargetByID({ targetId: "1" });
      done += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 32 }, worker));
  return done / ((Date.now() - started) / 1000);
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
