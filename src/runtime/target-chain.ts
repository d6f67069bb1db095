import type { RuntimeTarget } from "../domain/execution-snapshot.js";
import { executionFailed } from "./execution-failed.js";
import type { RuntimeLogger } from "./runtime-logger.js";
import { TargetCallError } from "./target-call-error.js";
import type { TargetCaller } from "./target-caller.js";

/** Options of `runTargetChain`. */
export interface TargetChainOptions<T> {
  /** The resolved targets, in order. */
  readonly targets: readonly RuntimeTarget[];
  readonly caller: TargetCaller;
  readonly logger: RuntimeLogger;
  /** Where the chain runs, for the log ("request/pkg.Svc/M"). */
  readonly condition: string;
  /** The message before the first target. */
  readonly message: T;
  /** The JSON body a target receives for the message as it stands. */
  toBody(message: T): string;
  /** Parses a call target's body into the message; throws if it cannot. */
  parse(body: string): T;
  /** The originating call's signal; it cancels awaited targets. */
  readonly signal?: AbortSignal;
}

/**
 * Runs targets in order on a message and answers the message after the
 * last one (API.md section 8):
 * - webhook: awaited, any failure is an error, the body is ignored;
 * - call: the same, and a non-empty 2xx body replaces the message whole;
 *   a body that does not parse is an error;
 * - async: sent without waiting, only logged.
 * An error of a target with `interrupt_on_error` throws the ConnectError of
 * `executionFailed` (id EXEC-dra6yamk98, code mapped from the status);
 * without the flag it is logged and the next target gets the unchanged
 * message.
 */
export async function runTargetChain<T>(
  options: TargetChainOptions<T>,
): Promise<T> {
  let message = options.message;
  for (const target of options.targets) {
    const body = options.toBody(message);
    if (target.type === "async") {
      options.caller.send(target, body);
      continue;
    }
    try {
      const response = await options.caller.call(target, body, {
        readBody: target.type === "call",
        signal: options.signal,
      });
      if (target.type === "call" && response.body.trim() !== "") {
        message = parseBody(options, target, response.body);
      }
    } catch (error) {
      if (!(error instanceof TargetCallError)) {
        throw error;
      }
      if (target.interruptOnError) {
        options.logger.warn(logFields(options, error), "target interrupted");
        throw executionFailed(error);
      }
      options.logger.warn(logFields(options, error), "target failed");
    }
  }
  return message;
}

function parseBody<T>(
  options: TargetChainOptions<T>,
  target: RuntimeTarget,
  body: string,
): T {
  try {
    return options.parse(body);
  } catch (cause) {
    throw new TargetCallError(
      "invalidBody",
      target.id,
      `target ${target.id}: the body does not parse as the message`,
      undefined,
      { cause },
    );
  }
}

function logFields<T>(
  options: TargetChainOptions<T>,
  error: TargetCallError,
): Record<string, unknown> {
  return {
    condition: options.condition,
    target_id: error.targetId,
    kind: error.kind,
    status: error.status,
    reason: error.message,
  };
}
