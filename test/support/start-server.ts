import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Options of `startServer`. */
export interface StartServerOptions {
  /** Extra environment variables (merged over the test's own). */
  readonly env?: Record<string, string>;
  /** Extra flags after `serve --port 0 --data <dir>`. */
  readonly args?: string[];
  /** An existing data directory, e.g. to restart on the same data. */
  readonly dataDir?: string;
  /** How long to wait for the "listening" line; default 15000 ms. */
  readonly startTimeoutMs?: number;
}

/** A server process started by a test. */
export interface TestServer {
  /** "http://127.0.0.1:<port>" (https with --tls-cert). */
  readonly baseUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Contents of <dataDir>/admin.token, "" if absent at start. */
  readonly adminToken: string;
  /** Sends `signal` (default SIGTERM), answers the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL, waits for the process to be gone. */
  kill(): Promise<void>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
}

/** The root of the compiled tree this file is part of (…/test/support). */
export const distRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The compiled CLI entry. */
export const cliPath = join(distRoot, "src", "cli", "run.js");

/**
 * Spawns `node <dist>/src/cli/run.js serve --port 0 --data <dir>` and
 * resolves once the JSON log line with msg "listening" names the port.
 * Rejects with the process output when it exits first or does not listen
 * within the timeout.
 */
export async function startServer(
  options: StartServerOptions = {},
): Promise<TestServer> {
  const dataDir =
    options.dataDir ?? mkdtempSync(join(tmpdir(), "actionsd-test-"));
  const args = options.args ?? [];
  const child = spawn(
    process.execPath,
    [cliPath, "serve", "--port", "0", "--data", dataDir, ...args],
    {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  let port = 0;
  let tls = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
  });
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`server did not start in time:\n${output}`));
    }, options.startTimeoutMs ?? 15_000);
    const onLine = (line: string) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === "listening" && typeof entry.port === "number") {
          port = entry.port;
          tls = entry.tls === true;
          clearTimeout(timer);
          resolve();
        }
      } catch {
        // Not a log line.
      }
    };
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      lines.forEach(onLine);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      output += chunk;
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  await listening;
  const tokenPath = join(dataDir, "admin.token");
  const adminToken = existsSync(tokenPath)
    ? readFileSync(tokenPath, "utf8").trim()
    : "";
  return {
    baseUrl: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    dataDir,
    adminToken,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
      }
      await exited;
    },
    output: () => output,
  };
}
