import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { withCors } from "../../src/server/cors.js";
import { createListener, type Listener } from "../../src/server/listener.js";

const allowed = "https://app.example";

describe("withCors()", { timeout: 20_000 }, () => {
  let listener: Listener;
  let url: string;
  before(async () => {
    listener = createListener({
      handler: withCors((_req, res) => res.end("ok"), { origins: [allowed] }),
    });
    url = `http://127.0.0.1:${await listener.listen("127.0.0.1", 0)}/x`;
  });
  after(() => listener.close(1000));

  it("answers a preflight from an allowed origin", async () => {
    const res = await fetch(url, {
      method: "OPTIONS",
      headers: {
        origin: allowed,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), allowed);
    const headers = res.headers.get("access-control-allow-headers") ?? "";
    assert.match(headers, /Authorization/);
    assert.match(headers, /X-Grpc-Web/i);
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
  });

  it("refuses a preflight from another origin", async () => {
    const res = await fetch(url, {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
      },
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });

  it("exposes gRPC-web headers on a normal request", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { origin: allowed },
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(await res.text(), "ok");
    assert.equal(res.headers.get("access-control-allow-origin"), allowed);
    assert.match(
      res.headers.get("access-control-expose-headers") ?? "",
      /Grpc-Status/i,
    );
  });

  it("adds nothing without an Origin header", async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });
});
