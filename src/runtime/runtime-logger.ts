/**
 * The part of a pino logger the runtime uses, so tests can pass a small
 * recorder and the server its pino instance. Fields only: the runtime never
 * logs bodies, headers or keys.
 */
export interface RuntimeLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything; the default where none is given. */
export const silentLogger: RuntimeLogger = {
  info() {},
  warn() {},
  error() {},
};
