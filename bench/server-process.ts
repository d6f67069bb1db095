// Starts a server as a child process and reads what the kernel knows about
// it, so CPU and memory are the server's alone, not the load generator's.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, readFileSync, closeSync } from "node:fs";
import { once } from "node:events";

/** A started server process. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** User plus system CPU seconds the process has used so far. */
  cpuSeconds(): number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMb(): number;
  /** SIGTERM, then SIGKILL after 5 s; answers the exit code or signal. */
  stop(): Promise<void>;
}

/** Options of `startServerProcess`. */
export interface StartServerProcessOptions {
  readonly name: string;
  /** Arguments of `node`: the script and its own arguments. */
  readonly args: readonly string[];
  /** Where stdout and stderr go (the server's JSON log lines). */
  readonly logFile: string;
  readonly env?: Record<string, string>;
  /** Longest wait for the "listening" line; default 20000 ms. */
  readonly startTimeoutMs?: number;
}

// Linux reports CPU time in clock ticks; 100 per second on every common
// kernel configuration.
const ticksPerSecond = 100;

/**
 * Spawns `node <args>` with output to `logFile` and waits for the JSON log
 * line with msg "listening" and a `port`. Throws when the process exits
 * first or the line does not come in time.
 */
export async function startServerProcess(
  options: StartServerProcessOptions,
): Promise<ServerProcess> {
  const fd = openSync(options.logFile, "w");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...options.args], {
      stdio: ["ignore", fd, fd],
      env: { ...process.env, ...options.env },
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`${options.name}: spawn failed`);
  }
  let exited = false;
  const exit = once(child, "exit").then(() => {
    exited = true;
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  let port: number | undefined;
  while (port === undefined) {
    if (exited) {
      throw new Error(
        `${options.name} exited before listening:\n` +
          readFileSync(options.logFile, "utf8").slice(-2000),
      );
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.name} did not log "listening" in time`);
    }
    port = listeningPort(readFileSync(options.logFile, "utf8"));
    if (port === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return {
    name: options.name,
    pid,
    port,
    cpuSeconds: () => cpuSecondsOf(pid),
    peakRssMb: () => peakRssMbOf(pid),
    async stop() {
      if (exited) {
        return;
      }
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

function listeningPort(log: string): number | undefined {
  for (const line of log.split("\n")) {
    if (!line.startsWith("{")) {
      continue;
    }
    try {
      const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
      if (entry.msg === "listening" && typeof entry.port === "number") {
        return entry.port;
      }
    } catch {
      // A partly written line; the next poll reads it whole.
    }
  }
  return undefined;
}

/** CPU seconds (user + system) of a live process, from /proc. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may contain spaces; the fields after it do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Peak resident set size (VmHWM) of a live process in MiB, from /proc. */
export function peakRssMbOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}
