import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createListener, type Listener } from "../../src/server/listener.js";
import { createTestCertificate } from "../support/tls-cert.js";

// Answers the HTTP version, so each test sees which server took the socket.
const versionHandler = (
  req: { httpVersion: string },
  res: { end(body: string): void },
) => res.end(`v${req.httpVersion}`);

function h2Get(
  url: string,
  options: http2.SecureClientSessionOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, options);
    session.on("error", reject);
    const stream = session.request({ ":path": "/" });
    let body = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("end", () => {
      session.close();
      resolve(body);
    });
    stream.on("error", reject);
  });
}

describe("createListener() without TLS", { timeout: 20_000 }, () => {
  let listener: Listener;
  let port: number;
  before(async () => {
    listener = createListener({ handler: versionHandler });
    port = await listener.listen("127.0.0.1", 0);
  });
  after(() => listener.close(1000));

  it("serves HTTP/1.1", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(await res.text(), "v1.1");
  });

  it("serves HTTP/2 with prior knowledge", async () => {
    assert.equal(await h2Get(`http://127.0.0.1:${port}`), "v2.0");
  });

  it("sniffs a preface that arrives one byte at a time", async () => {
    const socket = net.connect(port, "127.0.0.1");
    await once(socket, "connect");
    socket.setNoDelay(true);
    const request = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    for (const byte of request) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    while (!answer.includes("v1.1")) {
      await once(socket, "data");
    }
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.1 200/);
  });

  it("hands a split HTTP/2 preface to the HTTP/2 server", async () => {
    // http2.connect over a socket whose first write is cut short.
    const socket = net.connect(port, "127.0.0.1");
    await once(socket, "connect");
    const write = socket.write.bind(socket);
    let first = true;
    socket.write = ((chunk: Buffer, ...rest: never[]) => {
      if (first && Buffer.isBuffer(chunk) && chunk.length > 5) {
        first = false;
        write(chunk.subarray(0, 5));
        return write(chunk.subarray(5), ...rest);
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    const body = await h2Get(`http://127.0.0.1:${port}`, {
      createConnection: () => socket,
    });
    assert.equal(body, "v2.0");
  });

  it("survives garbage and an early close", async () => {
    const socket = net.connect(port, "127.0.0.1");
    await once(socket, "connect");
    // A SETTINGS frame on stream 1 is a connection error in HTTP/2.
    socket.write(
      Buffer.concat([
        Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 1]),
      ]),
    );
    socket.resume();
    await once(socket, "close");
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(res.status, 200);
  });
});

describe("createListener() with TLS", { timeout: 20_000 }, () => {
  let listener: Listener;
  let port: number;
  let ca: string;
  before(async () => {
    const cert = createTestCertificate();
    ca = cert.certPem;
    listener = createListener({
      handler: versionHandler,
      tls: { cert: cert.certPem, key: readFileSync(cert.keyFile) },
    });
    port = await listener.listen("127.0.0.1", 0);
  });
  after(() => listener.close(1000));

  it("negotiates h2 with ALPN", async () => {
    assert.equal(await h2Get(`https://127.0.0.1:${port}`, { ca }), "v2.0");
  });

  it("serves HTTP/1.1 over TLS", async () => {
    const { request } = await import("node:https");
    const body = await new Promise<string>((resolve, reject) => {
      request(`https://127.0.0.1:${port}/`, { ca, agent: false }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve(text));
      })
        .on("error", reject)
        .end();
    });
    assert.equal(body, "v1.1");
  });
});

describe("Listener.close()", { timeout: 20_000 }, () => {
  it("lets a call in flight finish", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const hasStarted = new Promise<void>((resolve) => (started = resolve));
    const listener = createListener({
      handler: (_req, res) => {
        started();
        void gate.then(() => res.end("done"));
      },
    });
    const port = await listener.listen("127.0.0.1", 0);
    const answer = fetch(`http://127.0.0.1:${port}/`, {
      signal: AbortSignal.timeout(5000),
    }).then((res) => res.text());
    await hasStarted;
    assert.equal(listener.inFlight, 1);
    const closed = listener.close(5000);
    release();
    assert.equal(await answer, "done");
    await closed;
    await assert.rejects(
      fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }),
    );
  });

  it("destroys a call that outlives the grace period", async () => {
    let started!: () => void;
    const hasStarted = new Promise<void>((resolve) => (started = resolve));
    const listener = createListener({ handler: () => started() });
    const port = await listener.listen("127.0.0.1", 0);
    const answer = fetch(`http://127.0.0.1:${port}/`, {
      signal: AbortSignal.timeout(5000),
    });
    await hasStarted;
    const begin = Date.now();
    await listener.close(200);
    assert.ok(Date.now() - begin < 3000);
    await assert.rejects(answer);
  });
});
