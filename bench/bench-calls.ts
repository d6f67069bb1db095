// The calls the benchmark makes, as request specs per protocol.
import {
  create,
  toBinary,
  toJsonString,
  type DescMessage,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  ActionService,
  GetTargetByIDRequestSchema,
  ListExecutionMethodsRequestSchema,
  ListExecutionsRequestSchema,
  SetExecutionRequestSchema,
} from "../gen/zitadel/action/v3alpha/action_service_pb.js";
import { grpcFrame, type RequestSpec } from "./request-spec.js";

/** The RPCs measured. */
export type BenchMethod =
  | "GetTargetByID"
  | "SetExecution"
  | "ListExecutions"
  | "ListExecutionMethods";

/** The wire protocols measured; the suffix is the HTTP version. */
export type BenchProtocol =
  | "grpc"
  | "connect-json-h2"
  | "connect-json-h1"
  | "grpc-web-h1"
  | "rest-h1";

/** Every method, in table order. */
export const benchMethods: readonly BenchMethod[] = [
  "GetTargetByID",
  "SetExecution",
  "ListExecutions",
  "ListExecutionMethods",
];

/** Every protocol, in table order. */
export const benchProtocols: readonly BenchProtocol[] = [
  "grpc",
  "connect-json-h2",
  "connect-json-h1",
  "grpc-web-h1",
  "rest-h1",
];

/** The HTTP version a protocol runs on. */
export function httpVersionOf(protocol: BenchProtocol): "h1" | "h2" {
  return protocol === "grpc" || protocol === "connect-json-h2" ? "h2" : "h1";
}

/** What the calls need to know about the stored data. */
export interface CallContext {
  readonly token: string;
  /** An existing target: read by GetTargetByID, listed by SetExecution. */
  readonly targetId: string;
}

/** Whether each call of the method needs its own body. */
export function variesPerCall(method: BenchMethod): boolean {
  return method === "SetExecution";
}

/**
 * The request of call `n` of `method` over `protocol`. SetExecution sets
 * the event condition "bench.write.<n>", so every call is a real write.
 */
export function requestSpec(
  method: BenchMethod,
  protocol: BenchProtocol,
  context: CallContext,
  n: number,
): RequestSpec {
  const auth = `Bearer ${context.token}`;
  const rpcPath = `/${ActionService.typeName}/${method}`;
  const { schema, message } = messageOf(method, context, n);
  switch (protocol) {
    case "grpc":
      return {
        method: "POST",
        path: rpcPath,
        headers: {
          "content-type": "application/grpc",
          te: "trailers",
          authorization: auth,
        },
        body: grpcFrame(toBinary(schema, message)),
      };
    case "grpc-web-h1":
      return {
        method: "POST",
        path: rpcPath,
        headers: {
          "content-type": "application/grpc-web+proto",
          "x-grpc-web": "1",
          authorization: auth,
        },
        body: grpcFrame(toBinary(schema, message)),
      };
    case "connect-json-h1":
    case "connect-json-h2":
      return {
        method: "POST",
        path: rpcPath,
        headers: {
          "content-type": "application/json",
          "connect-protocol-version": "1",
          authorization: auth,
        },
        body: Buffer.from(toJsonString(schema, message)),
      };
    case "rest-h1":
      return restSpec(method, context, auth, toJsonString(schema, message));
  }
}

function restSpec(
  method: BenchMethod,
  context: CallContext,
  auth: string,
  json: string,
): RequestSpec {
  const jsonHeaders = { "content-type": "application/json", authorization: auth };
  switch (method) {
    case "GetTargetByID":
      return {
        method: "GET",
        path: `/v3alpha/targets/${encodeURIComponent(context.targetId)}`,
        headers: { authorization: auth },
      };
    case "SetExecution":
      return {
        method: "PUT",
        path: "/v3alpha/executions",
        headers: jsonHeaders,
        body: Buffer.from(json),
      };
    case "ListExecutions":
      return {
        method: "POST",
        path: "/v3alpha/executions/search",
        headers: jsonHeaders,
        body: Buffer.from(json),
      };
    case "ListExecutionMethods":
      return {
        method: "GET",
        path: "/v3alpha/executions/methods",
        headers: { authorization: auth },
      };
  }
}

function messageOf(
  method: BenchMethod,
  context: CallContext,
  n: number,
): { schema: DescMessage; message: MessageShape<DescMessage> } {
  switch (method) {
    case "GetTargetByID":
      return {
        schema: GetTargetByIDRequestSchema,
        message: create(GetTargetByIDRequestSchema, {
          targetId: context.targetId,
        }),
      };
    case "SetExecution":
      return {
        schema: SetExecutionRequestSchema,
        message: create(SetExecutionRequestSchema, {
          condition: {
            conditionType: {
              case: "event",
              value: { condition: { case: "event", value: `bench.write.${n}` } },
            },
          },
          targets: [{ type: { case: "target", value: context.targetId } }],
        }),
      };
    case "ListExecutions":
      return {
        schema: ListExecutionsRequestSchema,
        message: create(ListExecutionsRequestSchema, { query: { limit: 100 } }),
      };
    case "ListExecutionMethods":
      return {
        schema: ListExecutionMethodsRequestSchema,
        message: create(ListExecutionMethodsRequestSchema),
      };
  }
}
