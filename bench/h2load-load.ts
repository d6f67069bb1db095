// Runs h2load (Debian package nghttp2-client) for a fixed-body case and
// reads its per-request log for the percentiles it does not print.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { quantile, type LoadResult } from "./load-result.js";
import type { RequestSpec } from "./request-spec.js";

/** Where the runner looks for h2load; `BENCH_H2LOAD` overrides it. */
export const h2loadPath = process.env.BENCH_H2LOAD ?? "/usr/bin/h2load";

/** True when h2load is installed. */
export function hasH2load(): boolean {
  return existsSync(h2loadPath);
}

/** Options of `runH2load`. */
export interface H2loadOptions {
  readonly baseUrl: string;
  readonly spec: RequestSpec;
  readonly version: "h1" | "h2";
  readonly seconds: number;
  /** HTTP/2: connections; HTTP/1.1: connections, one call in flight each. */
  readonly connections: number;
  /** Concurrent streams per HTTP/2 connection; ignored for HTTP/1.1. */
  readonly streams: number;
  /** A folder for the body and log files. */
  readonly workDir: string;
}

/**
 * Runs h2load for `seconds` and answers calls per window, p50 and p99
 * from its log (microseconds per request). GET and POST only, since h2load
 * picks the method from whether there is a body. Bounded by a timeout of
 * the duration plus 30 s.
 */
export async function runH2load(options: H2loadOptions): Promise<LoadResult> {
  const { spec } = options;
  const args = [
    "-c", String(options.connections),
    "-m", String(options.version === "h2" ? options.streams : 1),
    "-D", String(options.seconds),
  ];
  if (options.version === "h1") {
    args.push("--h1");
  }
  const bodyFile = join(options.workDir, "h2load-body.bin");
  const logFile = join(options.workDir, "h2load-log.tsv");
  if (spec.body !== undefined) {
    if (spec.method === "GET") {
      throw new Error("h2load cannot send a body with GET");
    }
    writeFileSync(bodyFile, spec.body);
    args.push("-d", bodyFile);
  } else if (spec.method !== "GET") {
    throw new Error(`h2load sends ${spec.method} only with a body`);
  }
  for (const [name, value] of Object.entries(spec.headers)) {
    args.push("-H", `${name}: ${value}`);
  }
  rmSync(logFile, { force: true });
  args.push("--log-file", logFile, `${options.baseUrl}${spec.path}`);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      h2loadPath,
      args,
      { timeout: (options.seconds + 30) * 1000, maxBuffer: 1 << 22 },
      (error, out, err) =>
        error === null
          ? resolve(out)
          : reject(new Error(`h2load failed: ${error.message}\n${err}`)),
    );
  });
  const succeeded = /(\d+) succeeded/.exec(stdout);
  const failed = /(\d+) failed, (\d+) errored, (\d+) timeout/.exec(stdout);
  const finished = /finished in ([\d.]+)(m?s)/.exec(stdout);
  if (succeeded === null || failed === null || finished === null) {
    throw new Error(`unexpected h2load output:\n${stdout}`);
  }
  const seconds =
    Number(finished[1]) / (finished[2] === "ms" ? 1000 : 1);
  const micros = readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => Number(line.split("\t")[2]))
    .filter((value) => Number.isFinite(value))
    .sort((a, b) => a - b);
  return {
    calls: Number(succeeded[1]),
    failed: Number(failed[1]) + Number(failed[2]) + Number(failed[3]),
    seconds,
    p50Ms: quantile(micros, 0.5) / 1000,
    p99Ms: quantile(micros, 0.99) / 1000,
  };
}
