import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { findRepoRoot } from "../support/clients.js";
import { startServer, type TestServer } from "../support/start-server.js";

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const isCi = process.env.CI !== undefined && process.env.CI !== "";
// Without CI a missing browser only skips; in CI it must fail loudly.
const skip =
  !hasChromium && !isCi
    ? `chromium not found at ${chromiumPath} (set CI=true to require it)`
    : false;

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(findRepoRoot(), "test", "browser", "page.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

function serveStatic(script: string): Promise<http.Server> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>actionsd</title>' +
    '<script type="module" src="/page.js"></script>';
  const server = http.createServer((req, res) => {
    if (req.url === "/page.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(script);
      return;
    }
    res.writeHead(200, { "content-type": "text/html" });
    res.end(html);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(server)),
  );
}

describe("a browser page on another origin", { skip, timeout: 90_000 }, () => {
  let staticServer: http.Server;
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  before(async () => {
    staticServer = await serveStatic(await bundlePage());
    origin = `http://127.0.0.1:${(staticServer.address() as AddressInfo).port}`;
    server = await startServer({ args: ["--cors-origin", origin] });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      timeout: 30_000,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => staticServer?.close(resolve));
  });

  it("calls the Action Service over gRPC-web with CORS", async () => {
    const page = await browser.newPage();
    const hash = new URLSearchParams({
      server: server.baseUrl,
      token: server.adminToken,
    });
    await page.goto(`${origin}/#${hash}`, { timeout: 20_000 });
    await page.waitForFunction(() => window.actionsdResult !== undefined, {
      timeout: 20_000,
    });
    const result = await page.evaluate(() => window.actionsdResult);
    assert.equal(result?.error, undefined);
    assert.ok((result?.methods ?? 0) >= 11);
    assert.equal(result?.jsonMethods, result?.methods);
    assert.match(result?.createdId ?? "", /^\d+$/);
    assert.match(result?.gotName ?? "", /^browser-/);
  });

  it("is refused from an origin that is not allowed", async () => {
    const page = await browser.newPage();
    // about:blank has an opaque origin, which is not on the list.
    const outcome = await page.evaluate(async (url) => {
      try {
        await fetch(`${url}/grpc.health.v1.Health/Check`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        return "allowed";
      } catch {
        return "blocked";
      }
    }, server.baseUrl);
    assert.equal(outcome, "blocked");
  });
});
