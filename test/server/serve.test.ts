import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath, startServer } from "../support/start-server.js";

function runServe(
  args: string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, "serve", ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 15_000,
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.once("exit", (code) => resolve({ code, stderr }));
  });
}

describe("actionsd serve", { timeout: 60_000 }, () => {
  const data = () => mkdtempSync(join(tmpdir(), "actionsd-serve-"));
  const bad: [string, string[]][] = [
    ["an invalid port", ["--port", "http"]],
    ["an unknown flag", ["--bogus"]],
    ["a missing TLS file", ["--tls-cert", "/nonexistent.pem",
      "--tls-key", "/nonexistent.key"]],
    ["a TLS file that is no PEM", ["--tls-cert", cliPath, "--tls-key",
      cliPath]],
  ];
  for (const [name, args] of bad) {
    it(`exits 2 with one line on stderr for ${name}`, async () => {
      const { code, stderr } = await runServe([
        "--port", "0", "--data", data(), ...args,
      ]);
      assert.equal(code, 2);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
    });
  }

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`stops with exit 0 on ${signal} and logs one line`, async () => {
      const server = await startServer();
      assert.equal(await server.stop(signal), 0);
      const stopped = server
        .output()
        .split("\n")
        .filter((line) => line.includes('"msg":"stopped"'));
      assert.equal(stopped.length, 1);
    });
  }

  it("keeps the secret key across restarts", async () => {
    const first = await startServer();
    await first.stop();
    const { readFileSync, statSync } = await import("node:fs");
    const path = join(first.dataDir, "secret.key");
    const key = readFileSync(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const second = await startServer({ dataDir: first.dataDir });
    await second.stop();
    assert.deepEqual(readFileSync(path), key);
  });

  it("refuses to start without the secret key that sealed its keys", async () => {
    const first = await startServer();
    await first.stop();
    const { existsSync, rmSync } = await import("node:fs");
    const path = join(first.dataDir, "secret.key");
    rmSync(path);
    const { code, stderr } = await runServe([
      "--port", "0", "--data", first.dataDir,
    ]);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /secret\.key is missing/);
    assert.equal(existsSync(path), false, "no new key replaces the lost one");
  });
});
