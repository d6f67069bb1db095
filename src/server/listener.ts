import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type * as tls from "node:tls";
import type { AddressInfo } from "node:net";

/** A request handler that serves HTTP/1.1 and HTTP/2 alike. */
export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** Options of `createListener`. */
export interface ListenerOptions {
  readonly handler: RequestHandler;
  /** PEM certificate chain and key; without them the port speaks h2c. */
  readonly tls?: {
    readonly cert: string | Buffer;
    readonly key: string | Buffer;
  };
}

/** One port that accepts HTTP/1.1 and HTTP/2 (h2c or TLS with ALPN). */
export interface Listener {
  /** Binds and answers the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  /**
   * Stops accepting, lets calls in flight finish for up to `graceMs`
   * (default 10000), then destroys what is left.
   */
  close(graceMs?: number): Promise<void>;
  /** Calls in flight right now. */
  readonly inFlight: number;
}

const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

// How long sockets may take to flush and close once no call is in flight.
const drainMs = 1000;

// A connection that sends nothing is closed after this long.
const firstBytesTimeoutMs = 30_000;

/**
 * Creates the listener. Without TLS every connection is sniffed: the
 * HTTP/2 connection preface goes to an HTTP/2 server (gRPC with prior
 * knowledge, Connect over h2c), anything else to an HTTP/1.1 server. With
 * TLS, ALPN picks "h2" or "http/1.1".
 */
export function createListener(options: ListenerOptions): Listener {
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const handler: RequestHandler = (req, res) => {
    inFlight++;
    let done = false;
    const end = () => {
      if (done) {
        return;
      }
      done = true;
      inFlight--;
      if (inFlight === 0) {
        idle?.();
      }
    };
    res.once("finish", end);
    res.once("close", end);
    // An HTTP/2 response that is complete while the client still holds its
    // half of the stream open emits neither event; the call is over once
    // the handler has ended the response.
    const originalEnd = res.end;
    res.end = function (this: typeof res, ...args: unknown[]) {
      const result = (originalEnd as (...a: unknown[]) => unknown).apply(
        this,
        args,
      );
      end();
      return result;
    } as typeof res.end;
    options.handler(req, res);
  };

  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const h2Settings: http2.Settings = { enablePush: false };
  let front: net.Server;
  let h1: http.Server | undefined;

  const h2 =
    options.tls === undefined
      ? http2.createServer({ settings: h2Settings }, handler)
      : http2.createSecureServer(
          {
            cert: options.tls.cert,
            key: options.tls.key,
            allowHTTP1: true,
            settings: h2Settings,
          },
          handler,
        );
  // HTTP/1.1 sockets, to end the idle ones at shutdown; HTTP/2 sockets end
  // with their session instead.
  const h1Sockets = new Set<net.Socket>();
  const trackH1 = (socket: net.Socket) => {
    h1Sockets.add(socket);
    socket.once("close", () => h1Sockets.delete(socket));
  };
  h2.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  h2.on("secureConnection", (socket: tls.TLSSocket) => {
    if (socket.alpnProtocol !== "h2") {
      trackH1(socket);
    }
  });
  // Malformed frames end their session; they must never end the process.
  h2.on("sessionError", () => {});

  if (options.tls === undefined) {
    const h1Server = http.createServer(handler);
    h1 = h1Server;
    front = net.createServer((socket) =>
      sniff(socket, h1Server, h2, trackH1),
    );
  } else {
    front = h2;
  }
  front.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  return {
    get inFlight() {
      return inFlight;
    },
    listen(host, port) {
      return new Promise((resolve, reject) => {
        front.once("error", reject);
        front.listen(port, host, () => {
          front.off("error", reject);
          resolve((front.address() as AddressInfo).port);
        });
      });
    },
    async close(graceMs = 10_000) {
      const deadline = Date.now() + graceMs;
      const closed = new Promise<void>((resolve) =>
        front.close(() => resolve()),
      );
      // Graceful: HTTP/2 clients get GOAWAY and the session ends once its
      // streams are done; idle keep-alive sockets close now.
      for (const session of sessions) {
        session.close();
      }
      h1?.closeIdleConnections();
      await waitFor(() => inFlight === 0, deadline, (wake) => (idle = wake));
      // Responses are complete but may still sit in socket buffers, so the
      // sockets get a moment to drain and close on their own.
      h1?.closeIdleConnections();
      const drainDeadline = Math.min(deadline, Date.now() + drainMs);
      await waitFor(() => sockets.size === 0, drainDeadline, (wake) => {
        for (const socket of sockets) {
          socket.once("close", wake);
        }
        // Idle HTTP/1.1 sockets get no further request; end them.
        for (const socket of h1Sockets) {
          socket.end();
        }
      });
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
  };
}

// Resolves once `isDone` holds, re-checked whenever `subscribe`'s wake is
// called, or at the deadline.
async function waitFor(
  isDone: () => boolean,
  deadline: number,
  subscribe: (wake: () => void) => void,
): Promise<void> {
  while (!isDone() && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      subscribe(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

// Reads just enough of the first bytes to tell the HTTP/2 preface from an
// HTTP/1.1 request line, then hands the socket, bytes put back, to the
// server that speaks it.
function sniff(
  socket: net.Socket,
  h1: http.Server,
  h2: http2.Http2Server,
  onHttp1: (socket: net.Socket) => void,
) {
  let buffered = Buffer.alloc(0);
  socket.setTimeout(firstBytesTimeoutMs, () => socket.destroy());
  const onError = () => socket.destroy();
  socket.on("error", onError);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const length = Math.min(buffered.length, preface.length);
    const isPrefix = buffered.subarray(0, length).equals(
      preface.subarray(0, length),
    );
    if (isPrefix && buffered.length < preface.length) {
      return;
    }
    socket.off("data", onData);
    socket.off("error", onError);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(buffered);
    if (isPrefix) {
      // The HTTP/2 server reads from the socket itself; resuming here would
      // let the preface bytes flow past it.
      h2.emit("connection", socket);
    } else {
      onHttp1(socket);
      h1.emit("connection", socket);
      socket.resume();
    }
  };
  socket.on("data", onData);
}
