import { fromJson, toJson, type DescMessage } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { callerKey } from "../auth/caller.js";
import type { ExecutionIndex } from "./execution-index.js";
import { callPayload } from "./payload.js";
import { silentLogger, type RuntimeLogger } from "./runtime-logger.js";
import { runTargetChain } from "./target-chain.js";
import type { TargetCaller } from "./target-caller.js";

/** Options of `createExecutionInterceptor`. */
export interface ExecutionInterceptorOptions {
  readonly index: ExecutionIndex;
  readonly caller: TargetCaller;
  /** Default: silent. */
  readonly logger?: RuntimeLogger;
}

/**
 * Runs request and response executions around every unary call. Place it
 * after the auth interceptor: it reads the caller from `callerKey`, and a
 * call without a caller (health, reflection) passes through, as do
 * streams. Request targets run before the handler and may replace the
 * request (the handler then validates it like any request); response
 * targets run after a successful handler only. A target with
 * `interrupt_on_error` that fails ends the call with the mapped code and
 * id EXEC-dra6yamk98 (see `runTargetChain`). A call with no execution
 * costs two Map lookups.
 */
export function createExecutionInterceptor(
  options: ExecutionInterceptorOptions,
): Interceptor {
  const logger = options.logger ?? silentLogger;
  return (next) => async (req) => {
    if (req.stream) {
      return next(req);
    }
    const caller = req.contextValues.get(callerKey);
    if (caller === undefined) {
      return next(req);
    }
    const fullMethod = `/${req.service.typeName}/${req.method.name}`;
    const requestTargets = options.index.resolve(
      caller.instanceId,
      "request",
      fullMethod,
    );
    const responseTargets = options.index.resolve(
      caller.instanceId,
      "response",
      fullMethod,
    );
    if (requestTargets.length === 0 && responseTargets.length === 0) {
      return next(req);
    }

    const input: DescMessage = req.method.input;
    const output: DescMessage = req.method.output;
    const message =
      requestTargets.length === 0
        ? req.message
        : await runTargetChain({
            targets: requestTargets,
            caller: options.caller,
            logger,
            condition: `request${fullMethod}`,
            message: req.message,
            toBody: (current) =>
              callPayload({
                fullMethod,
                caller,
                request: toJson(input, current),
                headers: req.header,
              }),
            parse: (body) => fromJson(input, JSON.parse(body)),
            signal: req.signal,
          });
    const res = await next(
      message === req.message ? req : { ...req, message },
    );
    if (res.stream || responseTargets.length === 0) {
      return res;
    }
    const request = toJson(input, message);
    const response = await runTargetChain({
      targets: responseTargets,
      caller: options.caller,
      logger,
      condition: `response${fullMethod}`,
      message: res.message,
      toBody: (current) =>
        callPayload({
          fullMethod,
          caller,
          request,
          response: toJson(output, current),
          headers: req.header,
        }),
      parse: (body) => fromJson(output, JSON.parse(body)),
      signal: req.signal,
    });
    return response === res.message ? res : { ...res, message: response };
  };
}
