import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRepoRoot } from "../support/clients.js";
import { cliPath, startServer, type TestServer } from "../support/start-server.js";

/**
 * Runs every shell block of README.md that follows an `<!-- example -->`
 * line against a real server, so the README's examples work as written.
 * Each block runs in a folder whose `data` is the server's data directory,
 * with `actionsd` on the PATH and the README's port replaced by the test
 * server's.
 */
describe("README examples", () => {
  const root = findRepoRoot();
  const examples = findExamples(readFileSync(join(root, "README.md"), "utf8"));
  let server: TestServer;
  let workDir: string;

  before(async () => {
    server = await startServer();
    workDir = mkdtempSync(join(tmpdir(), "actionsd-readme-"));
    symlinkSync(server.dataDir, join(workDir, "data"));
    const binDir = join(workDir, "bin");
    const shim = join(binDir, "actionsd");
    mkdirSync(binDir);
    writeFileSync(
      shim,
      `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`,
    );
    chmodSync(shim, 0o755);
  });

  after(async () => {
    await server.stop();
  });

  test("finds the examples", () => {
    assert.ok(examples.length >= 5, `only ${examples.length} examples`);
  });

  for (const [index, example] of examples.entries()) {
    test(`example ${index + 1} runs: ${example.split("\n")[0]}`, () => {
      const script = example
        .replaceAll("npx actionsd", "actionsd")
        .replaceAll("localhost:8080", `localhost:${server.port}`)
        .replaceAll("127.0.0.1:8080", `127.0.0.1:${server.port}`)
        .replaceAll("node examples/", `node ${join(root, "examples")}/`);
      const result = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
        cwd: workDir,
        env: {
          ...process.env,
          PATH: `${join(workDir, "bin")}:${process.env.PATH ?? ""}`,
        },
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(
        result.status,
        0,
        `exit ${result.status}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
      );
    });
  }
});

function findExamples(markdown: string): string[] {
  const pattern = /<!-- example -->\n```sh\n([\s\S]*?)\n```/g;
  return [...markdown.matchAll(pattern)].map((match) => match[1]!);
}
