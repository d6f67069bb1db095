// A small load generator in Node for cases whose body changes per call
// (SetExecution to distinct conditions), which h2load cannot do. It checks
// every answer: HTTP 200 and, for gRPC and gRPC-web, grpc-status 0.
import * as http from "node:http";
import * as http2 from "node:http2";
import { quantile, type LoadResult } from "./load-result.js";
import type { RequestSpec } from "./request-spec.js";

/** Options of `runNodeLoad`. */
export interface NodeLoadOptions {
  readonly baseUrl: string;
  /** The request of call number `n` (0, 1, 2, ...). */
  readonly spec: (n: number) => RequestSpec;
  /** Numbers start here, so a later run does not repeat an earlier one. */
  readonly firstNumber: number;
  readonly version: "h1" | "h2";
  readonly seconds: number;
  /** Calls in flight: streams on one HTTP/2 session, or sockets. */
  readonly concurrency: number;
  /** Whether a gRPC status must be found and be 0. */
  readonly grpc: boolean;
}

/** The result plus the next unused call number. */
export interface NodeLoadResult extends LoadResult {
  readonly nextNumber: number;
}

/**
 * Keeps `concurrency` calls in flight for `seconds`; every call is bounded
 * by 10 s.
 */
export async function runNodeLoad(
  options: NodeLoadOptions,
): Promise<NodeLoadResult> {
  let next = options.firstNumber;
  const latencies: number[] = [];
  let failed = 0;
  const send = options.version === "h2" ? h2Sender(options) : h1Sender(options);
  const started = performance.now();
  const end = started + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const spec = options.spec(next++);
      const before = performance.now();
      const ok = await send.call(spec).catch(() => false);
      if (ok) {
        latencies.push(performance.now() - before);
      } else {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  send.close();
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    failed,
    seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    nextNumber: next,
  };
}

interface Sender {
  call(spec: RequestSpec): Promise<boolean>;
  close(): void;
}

function h2Sender(options: NodeLoadOptions): Sender {
  const session = http2.connect(options.baseUrl);
  session.on("error", () => {});
  return {
    call: (spec) =>
      new Promise((resolve) => {
        const stream = session.request({
          ":method": spec.method,
          ":path": spec.path,
          ...spec.headers,
        });
        stream.setTimeout(10_000, () => stream.close());
        let ok = false;
        let grpcStatus: unknown;
        stream.on("response", (headers) => {
          ok = headers[":status"] === 200;
          grpcStatus = headers["grpc-status"];
        });
        stream.on("trailers", (trailers) => {
          grpcStatus = trailers["grpc-status"] ?? grpcStatus;
        });
        stream.on("data", () => {});
        stream.on("error", () => resolve(false));
        stream.on("close", () =>
          resolve(ok && (!options.grpc || grpcStatus === "0")),
        );
        stream.end(spec.body);
      }),
    close: () => session.close(),
  };
}

function h1Sender(options: NodeLoadOptions): Sender {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: options.concurrency,
  });
  return {
    call: (spec) =>
      new Promise((resolve) => {
        const req = http.request(
          `${options.baseUrl}${spec.path}`,
          { method: spec.method, headers: spec.headers, agent, timeout: 10_000 },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("error", () => resolve(false));
            res.on("end", () => {
              const ok = res.statusCode === 200;
              // gRPC-web carries grpc-status in the trailer frame.
              const grpcOk =
                !options.grpc ||
                /grpc-status:\s*0\r?\n?/i.test(
                  Buffer.concat(chunks).toString("latin1"),
                ) ||
                res.headers["grpc-status"] === "0";
              resolve(ok && grpcOk);
            });
          },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", () => resolve(false));
        req.end(spec.body);
      }),
    close: () => agent.destroy(),
  };
}
