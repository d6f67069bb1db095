import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cliPath } from "./start-server.js";

const run = promisify(execFile);

/**
 * Runs the compiled CLI (`node <dist>/src/cli/run.js ...args`) and answers
 * its trimmed stdout. Rejects when it exits non-zero or runs longer than
 * `timeoutMs` (default 10000 ms), with stderr in the error.
 */
export async function runCli(
  args: readonly string[],
  timeoutMs = 10_000,
): Promise<string> {
  const { stdout } = await run(process.execPath, [cliPath, ...args], {
    timeout: timeoutMs,
  });
  return stdout.trim();
}

/** What a CLI run wrote and how it ended. */
export interface CliRun {
  /** The exit code; null when it was killed (the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the compiled CLI with `ACTIONSD_DATA` cleared and answers its exit
 * code and output, whatever the code; killed after 20 s.
 */
export function runCliCapturing(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { timeout: 20_000, env: { ...process.env, ACTIONSD_DATA: "" } },
      (error, stdout, stderr) => {
        const code =
          error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Mints a token with `actionsd token` for the instance named by id or
 * domain (default: the default instance), with the given roles.
 */
export function mintToken(
  dataDir: string,
  roles: readonly string[],
  instance?: string,
): Promise<string> {
  const args = ["token", "--data", dataDir];
  for (const role of roles) {
    args.push("--role", role);
  }
  if (instance !== undefined) {
    args.push("--instance", instance);
  }
  return runCli(args);
}

/** Adds an instance with `actionsd instance add`; answers its id. */
export function addInstance(
  dataDir: string,
  name: string,
  domains: readonly string[],
): Promise<string> {
  const args = ["instance", "add", "--data", dataDir, "--name", name];
  for (const domain of domains) {
    args.push("--domain", domain);
  }
  return runCli(args);
}

/** Turns the feature `actions` on or off with `actionsd instance set`. */
export async function setActions(
  dataDir: string,
  instance: string,
  enabled: boolean,
): Promise<void> {
  await runCli([
    "instance",
    "set",
    "--data",
    dataDir,
    "--instance",
    instance,
    "--actions",
    enabled ? "on" : "off",
  ]);
}

/**
 * Rotates the token signing key of an instance (default: the default
 * one) with `actionsd keys rotate`; answers the new kid.
 */
export function rotateKeys(
  dataDir: string,
  instance?: string,
): Promise<string> {
  const args = ["keys", "rotate", "--data", dataDir];
  if (instance !== undefined) {
    args.push("--instance", instance);
  }
  return runCli(args);
}
