import { callerOf } from "./caller-of.js";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  CallFunctionResponseSchema,
  RuntimeService,
} from "../../gen/actionsd/runtime/v1/runtime_service_pb.js";
import { DomainError, notFound } from "../errors/domain-error.js";
import { toConnectError } from "../errors/connect-error.js";
import type { EventPusher } from "../events/event-pusher.js";
import type { ExecutionIndex } from "../runtime/execution-index.js";
import { functionPayload } from "../runtime/payload.js";
import {
  silentLogger,
  type RuntimeLogger,
} from "../runtime/runtime-logger.js";
import { runTargetChain } from "../runtime/target-chain.js";
import type { TargetCaller } from "../runtime/target-caller.js";
import { pushEvents } from "./push-events.js";

/** What the Runtime Service needs. */
export interface RuntimeServiceOptions {
  /** The configured function names. */
  readonly functions: readonly string[];
  readonly index: ExecutionIndex;
  readonly caller: TargetCaller;
  /** Default: silent. */
  readonly logger?: RuntimeLogger;
  /**
   * Writes pushed events (with the outbox hook). Without it PushEvents
   * answers Unimplemented.
   */
  readonly events?: EventPusher;
}

/** The error id of a function name that is not configured. */
export const functionNotFoundId = "RUNTIME-f7nq2kx0bd";

/**
 * Implements `actionsd.runtime.v1.RuntimeService`. CallFunction runs the
 * function execution of `name`: every target gets `{function, instanceID,
 * orgID, projectID, userID, payload}`; a call target's non-empty answer is
 * the new payload (a JSON object). Without an execution the payload comes
 * back unchanged. Errors: NotFound RUNTIME-f7nq2kx0bd for a name that is
 * not a configured function; Unauthenticated without a caller; a failing
 * target with `interrupt_on_error` as in `runTargetChain`. PushEvents
 * writes events (see `pushEvents`).
 */
export function createRuntimeService(
  options: RuntimeServiceOptions,
): ServiceImpl<typeof RuntimeService> {
  const functions = new Set(options.functions);
  const logger = options.logger ?? silentLogger;
  return {
    async callFunction(request, context) {
      const caller = callerOf(context);
      if (!functions.has(request.name)) {
        throw toConnectError(
          notFound(
            functionNotFoundId,
            "Errors.Execution.FunctionNotFound",
            "Function not found",
          ),
        );
      }
      const payload: JsonObject = request.payload ?? {};
      const targets = options.index.resolveFunction(
        caller.instanceId,
        request.name,
      );
      const result = await runTargetChain({
        targets,
        caller: options.caller,
        logger,
        condition: `function/${request.name}`,
        message: payload,
        toBody: (current) =>
          functionPayload({
            name: request.name,
            caller,
            payload: current,
          }),
        parse: parseObject,
        signal: context.signal,
      });
      return create(CallFunctionResponseSchema, { payload: result });
    },
    pushEvents(request, context) {
      if (options.events === undefined) {
        throw new ConnectError("pushing events is off", Code.Unimplemented);
      }
      try {
        return pushEvents(options.events, request, context);
      } catch (error) {
        // Like CallFunction, answer domain errors with their codes even
        // without the error interceptor; anything else stays for it.
        throw error instanceof DomainError ? toConnectError(error) : error;
      }
    },
  };
}

function parseObject(body: string): JsonObject {
  const value: unknown = JSON.parse(body);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("a function payload is a JSON object");
  }
  return value as JsonObject;
}
