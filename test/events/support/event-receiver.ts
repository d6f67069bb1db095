import {
  createServer,
  type IncomingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request an event receiver got. */
export interface ReceivedEvent {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Milliseconds since the epoch when it arrived. */
  readonly at: number;
}

/**
 * How to answer the nth request (1-based) to a path: a status with
 * optional headers, or "hang" to never answer.
 */
export type EventAnswer =
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      /** Answer only after this many milliseconds. */
      readonly delayMs?: number;
    }
  | "hang";

/** A loopback HTTP receiver that can go down and come back on its port. */
export interface EventReceiver {
  /** "http://127.0.0.1:<port>". */
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedEvent[];
  /** Sets how requests are answered; default 200 for all. */
  answer(rule: (path: string, nth: number) => EventAnswer): void;
  /** Resolves when `count` requests reached `path` (any path if omitted). */
  waitFor(count: number, path?: string, timeoutMs?: number): Promise<void>;
  /** Answers every hanging request with 200. */
  release(): void;
  /** The most requests that were open at the same time. */
  maxOpen(): number;
  /** Stops listening and drops every connection (the port stays known). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 (port 0 unless given). */
export async function startEventReceiver(port = 0): Promise<EventReceiver> {
  const received: ReceivedEvent[] = [];
  const counts = new Map<string, number>();
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let rule: (path: string, nth: number) => EventAnswer = () => ({
    status: 200,
  });
  let open = 0;
  let maxOpen = 0;

  const server = createServer((req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    res.on("close", () => {
      open -= 1;
      hanging.delete(res);
    });
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const nth = (counts.get(path) ?? 0) + 1;
      counts.set(path, nth);
      received.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      for (const wake of [...waiters]) {
        wake();
      }
      const answer = rule(path, nth);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      const send = () => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end();
      };
      if (answer.delayMs === undefined) {
        send();
      } else {
        setTimeout(send, answer.delayMs);
      }
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const listen = (onPort: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(onPort, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const bound = await listen(port);

  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    received,
    answer(next) {
      rule = next;
    },
    waitFor(count, path, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const matches = () =>
          received.filter((r) => path === undefined || r.path === path)
            .length >= count;
        if (matches()) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fewer than ${count} requests to ${path ?? "any path"}`));
        }, timeoutMs);
        const check = () => {
          if (matches()) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
      });
    },
    release() {
      for (const res of [...hanging]) {
        res.writeHead(200);
        res.end();
      }
    },
    maxOpen: () => maxOpen,
    async down() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
    async up() {
      await listen(bound);
    },
  };
}
