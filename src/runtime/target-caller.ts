import { Agent, request } from "undici";
import type { RuntimeTarget } from "../domain/execution-snapshot.js";
import { createDenyList, type DenyList } from "./deny-list.js";
import { silentLogger, type RuntimeLogger } from "./runtime-logger.js";
import { signatureHeaders } from "./signing.js";
import { TargetCallError } from "./target-call-error.js";

/** What a target answered with a 2xx status. */
export interface TargetResponse {
  readonly status: number;
  /** The body as text; empty when it was not read. */
  readonly body: string;
}

/** Options of one awaited call. */
export interface CallOptions {
  /** Read the body (call targets) or drop it (webhooks). Default true. */
  readonly readBody?: boolean;
  /** The originating call's signal; its end cancels an awaited call. */
  readonly signal?: AbortSignal;
  /**
   * The `webhook-id` without "msg_"; the same id on every attempt lets
   * receivers drop duplicates. Default: a random id per call.
   */
  readonly messageId?: string;
}

/**
 * Calls targets. One caller serves every kind of execution (request,
 * response, function, event), so signing, the deny list, limits and
 * connection reuse are the same everywhere.
 */
export interface TargetCaller {
  /**
   * POSTs `body` (JSON) to the target and waits for the answer, with the
   * target's timeout as a hard deadline for headers and body. Throws a
   * TargetCallError on any failure, a non-2xx status included.
   */
  call(
    target: RuntimeTarget,
    body: string,
    options?: CallOptions,
  ): Promise<TargetResponse>;
  /**
   * Sends `body` without waiting: the answer is only logged. The send is
   * not tied to the originating call, so it is not cut off when that call
   * ends. While `maxSendsInFlight` sends are still going, a new one is
   * dropped and logged instead.
   */
  send(target: RuntimeTarget, body: string): void;
  /** Waits for the sends in flight; for shutdown and tests. */
  drain(): Promise<void>;
  /** Closes the connections. */
  close(): Promise<void>;
}

/** Options of `createTargetCaller`. */
export interface TargetCallerOptions {
  /** Default: `createDenyList()` with the default entries. */
  readonly denyList?: DenyList;
  /** The largest answer body read. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Default: silent. Gets target ids, statuses and reasons only. */
  readonly logger?: RuntimeLogger;
  /** Unix seconds for signatures. Default: the system clock. */
  readonly now?: () => number;
  /**
   * The most async sends going at once; more are dropped with a warning.
   * Default 1000.
   */
  readonly maxSendsInFlight?: number;
}

/**
 * Creates the target caller: one undici Agent, so connections are reused
 * per origin; its connect `lookup` checks every resolved address against
 * the deny list, and literal addresses are checked before the request.
 * Redirects are not followed: a 3xx answer is a `status` error.
 */
export function createTargetCaller(
  options: TargetCallerOptions = {},
): TargetCaller {
  const denyList = options.denyList ?? createDenyList();
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const agent = new Agent({
    connect: { lookup: denyList.lookup },
    keepAliveTimeout: 30_000,
  });
  const maxSendsInFlight = options.maxSendsInFlight ?? 1000;
  const inFlight = new Set<Promise<void>>();

  async function call(
    target: RuntimeTarget,
    body: string,
    callOptions: CallOptions = {},
  ): Promise<TargetResponse> {
    let url: URL;
    try {
      url = new URL(target.endpoint);
    } catch (cause) {
      throw new TargetCallError(
        "transport",
        target.id,
        `target ${target.id}: invalid endpoint`,
        undefined,
        { cause },
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TargetCallError(
        "transport",
        target.id,
        `target ${target.id}: unsupported scheme ${url.protocol}`,
      );
    }
    const denied = denyList.checkEndpoint(url);
    if (denied !== undefined) {
      throw new TargetCallError(
        "denied",
        target.id,
        `target ${target.id}: ${denied}`,
      );
    }

    const deadline = AbortSignal.timeout(target.timeoutMs);
    const signal =
      callOptions.signal === undefined
        ? deadline
        : AbortSignal.any([deadline, callOptions.signal]);
    try {
      const response = await request(url, {
        dispatcher: agent,
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signatureHeaders({
            key: target.signingKey,
            body,
            timestamp: now(),
            messageId: callOptions.messageId,
          }),
        },
        body,
        signal,
      });
      const text =
        callOptions.readBody === false
          ? await dropBody(response.body)
          : await readBody(response.body, maxBodyBytes, target.id);
      if (response.statusCode < 200 || response.statusCode > 299) {
        const retryAfter = response.headers["retry-after"];
        throw new TargetCallError(
          "status",
          target.id,
          `target ${target.id}: status ${response.statusCode}`,
          response.statusCode,
          typeof retryAfter === "string" ? { retryAfter } : undefined,
        );
      }
      return { status: response.statusCode, body: text };
    } catch (error) {
      if (error instanceof TargetCallError) {
        throw error;
      }
      if (deadline.aborted) {
        throw new TargetCallError(
          "timeout",
          target.id,
          `target ${target.id}: timeout after ${target.timeoutMs} ms`,
          undefined,
          { cause: error },
        );
      }
      if (callOptions.signal?.aborted === true) {
        throw new TargetCallError(
          "canceled",
          target.id,
          `target ${target.id}: the call ended first`,
          undefined,
          { cause: error },
        );
      }
      if (hasCode(error, "EDENIED")) {
        throw new TargetCallError(
          "denied",
          target.id,
          `target ${target.id}: ${findMessage(error, "EDENIED")}`,
          undefined,
          { cause: error },
        );
      }
      throw new TargetCallError(
        "transport",
        target.id,
        `target ${target.id}: ${transportReason(error)}`,
        undefined,
        { cause: error },
      );
    }
  }

  // Each send in flight holds its body and a connection until the target
  // answers or times out. A flood of calls to a slow async target would
  // otherwise grow them without end; async targets promise no delivery, so
  // past the bound a send is dropped, and says so in the log.
  function send(target: RuntimeTarget, body: string): void {
    if (inFlight.size >= maxSendsInFlight) {
      logger.warn(
        { target_id: target.id, sends_in_flight: inFlight.size },
        "async target skipped: too many sends in flight",
      );
      return;
    }
    const started = Date.now();
    const sending = call(target, body, { readBody: false }).then(
      (response) => {
        logger.info(
          {
            target_id: target.id,
            status: response.status,
            duration_ms: Date.now() - started,
          },
          "async target called",
        );
      },
      (error: TargetCallError) => {
        logger.warn(
          {
            target_id: target.id,
            kind: error.kind,
            status: error.status,
            reason: error.message,
            duration_ms: Date.now() - started,
          },
          "async target failed",
        );
      },
    );
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  }

  return {
    call,
    send,
    async drain() {
      while (inFlight.size > 0) {
        await Promise.all([...inFlight]);
      }
    },
    async close() {
      await agent.close();
    },
  };
}

type Body = AsyncIterable<Buffer | string> & {
  destroy(error?: Error): unknown;
  dump?(options?: { limit?: number }): Promise<void>;
};

async function readBody(
  body: Body,
  limit: number,
  targetId: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > limit) {
      body.destroy();
      throw new TargetCallError(
        "tooLarge",
        targetId,
        `target ${targetId}: body larger than ${limit} bytes`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function dropBody(body: Body): Promise<string> {
  // Reading a little keeps the connection reusable; past the limit undici
  // closes the socket instead of reading a large answer nobody wants.
  if (body.dump !== undefined) {
    await body.dump({ limit: 64 * 1024 });
  } else {
    body.destroy();
  }
  return "";
}

function hasCode(error: unknown, code: string): boolean {
  return findMessage(error, code) !== undefined;
}

function findMessage(error: unknown, code: string): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if ((current as NodeJS.ErrnoException).code === code) {
      return current.message;
    }
    current = current.cause;
  }
  return undefined;
}

function transportReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string" && !code.startsWith("UND_ERR")) {
      return code;
    }
    current = current.cause;
  }
  return error instanceof Error ? error.message : "transport error";
}
