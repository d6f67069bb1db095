import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger } from "pino";

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** A pino level name; default "info". */
  readonly level?: string;
  /** Where the JSON lines go; default stdout. Tests pass a stream. */
  readonly destination?: DestinationStream;
}

/**
 * Creates the process logger: one JSON object per line, ISO timestamps, no
 * pid or hostname (they add nothing for a single service).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
