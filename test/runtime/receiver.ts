import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request a receiver got. */
export interface Received {
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** What a receiver answers: a status and a body, or a custom handler. */
export type ReceiverAnswer =
  | { readonly status: number; readonly body?: string }
  | ((req: IncomingMessage, res: ServerResponse, body: string) => void);

/** A real HTTP server on 127.0.0.1 that records what it receives. */
export interface Receiver {
  /** "http://127.0.0.1:<port>". */
  readonly url: string;
  readonly received: Received[];
  /** Sets the answer for a path (default for all paths: 200, no body). */
  answer(path: string, answer: ReceiverAnswer): void;
  /** Resolves with the nth (1-based) request to `path`, bounded in time. */
  waitFor(path: string, count?: number, timeoutMs?: number): Promise<Received>;
  /** How many TCP connections were accepted. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers = new Map<string, ReceiverAnswer>();
  const waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  let connectionCount = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      received.push({ path, headers: req.headers, body });
      for (const wake of waiters.splice(0)) {
        wake();
      }
      const answer = answers.get(path) ?? { status: 200 };
      if (typeof answer === "function") {
        answer(req, res, body);
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body ?? "");
    });
  });
  server.on("connection", (socket: Socket) => {
    connectionCount += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(path, answer) {
      answers.set(path, answer);
    },
    waitFor(path, count = 1, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no request ${count} to ${path}`)),
          timeoutMs,
        );
        const check = () => {
          const matching = received.filter((r) => r.path === path);
          if (matching.length >= count) {
            clearTimeout(timer);
            resolve(matching[count - 1]!);
            return;
          }
          waiters.push(check);
        };
        check();
      });
    },
    connections: () => connectionCount,
    async close() {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
