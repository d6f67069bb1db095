import { ConfigError, parseServeConfig } from "../config.js";
import { startServer } from "../main.js";
import { tuneHeapGrowth } from "./heap-growth.js";

/**
 * `actionsd serve [flags]`: parses the configuration, starts the server and
 * runs until SIGTERM or SIGINT, then shuts down gracefully. Answers 0 after
 * a clean stop, 2 for bad configuration (one line on stderr), 1 when the
 * server cannot start otherwise (for example, the port is taken).
 */
export async function runServe(args: string[]): Promise<number> {
  let config;
  try {
    config = parseServeConfig(args, process.env);
  } catch (error) {
    return fail(error);
  }
  // Listen for the signal before starting: the "listening" line goes out
  // during the start, and a signal right after it must stop, not kill.
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  tuneHeapGrowth();
  let server;
  try {
    server = await startServer(config);
  } catch (error) {
    return fail(error);
  }
  await stopped;
  await server.close();
  return 0;
}

function fail(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`actionsd serve: ${message.split("\n")[0]}\n`);
  return error instanceof ConfigError ? 2 : 1;
}
