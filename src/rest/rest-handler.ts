import type * as http from "node:http";
import type * as http2 from "node:http2";
import {
  create,
  createRegistry,
  fromJson,
  toJson,
  type DescField,
  type JsonObject,
  type JsonValue,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type ContextValues,
} from "@connectrpc/connect";
import {
  readAllBytes,
  type UniversalHandler,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import {
  codeFromHttpStatus,
  errorFromJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import {
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { ErrorDetailSchema } from "../../gen/zitadel/v1/error_detail_pb.js";
import {
  authProbeKey,
  probesEndKey,
  type AuthProbe,
} from "../auth/auth-probe.js";
import { callProtocolKey } from "../logging/request-log-interceptor.js";
import { buildRequestMessage } from "./request-message.js";
import { oneChunk, restErrorResponse } from "./rest-error.js";
import { createRouteTable, type RestRoute } from "./route-table.js";

/** A request of node:http or node:http2, HTTP/1.1 or HTTP/2. */
export type RestRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** The response of node:http or node:http2, as Connect's adapter types it. */
export type RestResponse = Parameters<
  typeof universalResponseToNodeResponse
>[1];

/** Options of `createRestHandler`. */
export interface RestHandlerOptions {
  /**
   * The universal handlers of the Connect router (`router.handlers`). Each
   * must serve the Connect protocol with JSON, which routers do by default.
   */
  readonly handlers: readonly UniversalHandler[];
  /** The same context values function the Connect adapter uses. */
  readonly contextValues?: (req: RestRequest) => ContextValues;
  /**
   * The largest request body read, in bytes; a larger one answers
   * ResourceExhausted (HTTP 429, the status the one code table gives it).
   * Default 4 MiB.
   */
  readonly readMaxBytes?: number;
}

/** The default of `RestHandlerOptions.readMaxBytes`. */
export const defaultRestReadMaxBytes = 4 * 1024 * 1024;

// Request headers that describe the REST transport, not the call, and so
// are not handed to the Connect handler. Accept-Encoding is dropped so the
// handler never compresses an answer this layer must read.
const droppedRequestHeaders = new Set([
  "accept-encoding",
  "connection",
  "content-encoding",
  "content-length",
  "content-type",
  "host",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

// Response headers of the Connect protocol that REST answers replace.
const droppedResponseHeaders = new Set([
  "content-encoding",
  "content-length",
  "content-type",
]);

/**
 * Serves every `google.api.http` rule of the handlers' methods (see
 * route-table.ts), meant as the `fallback` of the Connect node adapter so
 * that it sees every path the router does not serve itself.
 *
 * A matched call becomes a Connect unary JSON call of the same universal
 * handler, so authentication, permissions, validation, executions and error
 * mapping run exactly as on every other protocol; the context value
 * `callProtocolKey` is "rest". The caller's headers pass on, except those
 * of the transport (content type and length, encodings, hop-by-hop) and
 * those of the Connect and gRPC protocols.
 *
 * Answers: the canonical JSON of the response (or of its response_body
 * field) with the method's success code (200 unless its zitadel option
 * says otherwise, 201 for CreateTarget). Errors are `google.rpc.Status`
 * JSON, HTTP status by code (http-status.ts): 404 (NotFound) when no rule
 * matches the path, 405 with `Allow` when rules match it only for other
 * methods, 400 (InvalidArgument) for input that does not fit the rule or
 * the message, 429 (ResourceExhausted) for a body over `readMaxBytes`, and
 * `WWW-Authenticate: Bearer` on 401. Works on HTTP/1.1 and HTTP/2 alike.
 * The body is read as JSON whatever its Content-Type says, since curl's
 * `--data-raw` labels it form data unless told otherwise.
 *
 * Throws an Error at creation for a rule it cannot serve.
 *
 * Answers this layer gives before the handler runs (404, 405, 400 for
 * input that does not fit the rule, 429) never reach the request-log
 * interceptor; they get the "refused" line of `createRefusalLog`.
 */
export function createRestHandler(
  options: RestHandlerOptions,
): (req: RestRequest, res: RestResponse) => void {
  const table = createRouteTable(options.handlers);
  const readMaxBytes = options.readMaxBytes ?? defaultRestReadMaxBytes;
  const registry = createRegistry(
    ErrorDetailSchema,
    ...new Set(options.handlers.map((h) => h.service.file)),
  );
  return (req, res) => {
    const send = (response: UniversalServerResponse) =>
      universalResponseToNodeResponse(response, res)
        // A client that went away cannot be answered; nothing to log.
        .catch(() => {});
    let request: UniversalServerRequest;
    try {
      request = universalRequestFromNodeRequest(req, res, undefined, undefined);
    } catch {
      // HTTP/1.0 without Host: no URL to route and no instance to pick,
      // which the contract answers like any host no instance claims.
      const error = new ConnectError("request has no host", Code.NotFound);
      void send(restErrorResponse(error, registry));
      return;
    }
    const values = () => options.contextValues?.(req) ?? createContextValues();
    void answer(request, values)
      .catch((e: unknown) => restErrorResponse(asConnectError(e), registry))
      .then(send);
  };

  async function answer(
    request: UniversalServerRequest,
    contextValues: () => ContextValues,
  ): Promise<UniversalServerResponse> {
    const url = new URL(request.url);
    const found = table.find(request.method.toUpperCase(), url.pathname);
    if (found === undefined) {
      return restErrorResponse(
        new ConnectError(`no route for ${url.pathname}`, Code.NotFound),
        registry,
      );
    }
    if ("allowed" in found) {
      const header = new Headers({ allow: found.allowed.join(", ") });
      // google.rpc.Status has no code for 405; gateways use Unimplemented.
      const error = new ConnectError(
        `method ${request.method} not allowed for ${url.pathname}`,
        Code.Unimplemented,
      );
      return { ...restErrorResponse(error, registry, header), status: 405 };
    }
    const { route } = found;
    let json: JsonValue;
    try {
      json = await requestJson(found, request, url);
    } catch (e) {
      return refuse(route, request, url, contextValues(), asConnectError(e));
    }
    const response = await callRoute(route, request, url, json, contextValues());
    return restResponse(route, response);
  }

  async function requestJson(
    found: Parameters<typeof buildRequestMessage>[0],
    request: UniversalServerRequest,
    url: URL,
  ): Promise<JsonValue> {
    const body = await readAllBytes(
      request.body as AsyncIterable<Uint8Array>,
      readMaxBytes,
      request.header.get("content-length"),
    );
    const message = buildRequestMessage(found, {
      query: url.searchParams,
      body,
    });
    try {
      return toJson(found.route.handler.method.input, message, { registry });
    } catch (e) {
      throw new ConnectError(String(e), Code.InvalidArgument);
    }
  }

  // The route's method, called as Connect unary JSON.
  function callRoute(
    route: RestRoute,
    request: UniversalServerRequest,
    url: URL,
    json: JsonValue,
    values: ContextValues,
  ): Promise<UniversalServerResponse> {
    values.set(callProtocolKey, "rest");
    return route.handler({
      httpVersion: request.httpVersion,
      method: "POST",
      url: new URL(route.handler.requestPath, url).toString(),
      header: connectRequestHeader(request.header),
      body: json,
      signal: request.signal,
      contextValues: values,
    });
  }

  // Input that does not fit the rule is refused before the handler; the
  // caller still meets authorization first (auth-probe.ts): the method
  // runs with an empty message and a probe, and a rejected caller gets
  // that rejection instead of the refusal. Only where the chain ends every
  // probe (`probesEndKey`), so that the empty message reaches no handler.
  async function refuse(
    route: RestRoute,
    request: UniversalServerRequest,
    url: URL,
    values: ContextValues,
    refusal: ConnectError,
  ): Promise<UniversalServerResponse> {
    if (values.get(probesEndKey) !== true) {
      return restErrorResponse(refusal, registry);
    }
    const probe: AuthProbe = { passed: false };
    values.set(authProbeKey, probe);
    const response = await callRoute(route, request, url, {}, values);
    if (!probe.passed) {
      return restResponse(route, response);
    }
    if (response.body !== undefined) {
      await readAllBytes(response.body, Number.MAX_SAFE_INTEGER);
    }
    return restErrorResponse(refusal, registry);
  }

  async function restResponse(
    route: RestRoute,
    response: UniversalServerResponse,
  ): Promise<UniversalServerResponse> {
    const bytes =
      response.body === undefined
        ? new Uint8Array(0)
        : await readAllBytes(response.body, Number.MAX_SAFE_INTEGER);
    const header = new Headers();
    response.header?.forEach((value, key) => {
      if (!droppedResponseHeaders.has(key) && !key.startsWith("trailer-")) {
        header.set(key, value);
      }
    });
    if (response.status !== 200) {
      const fallback = new ConnectError(
        `HTTP ${response.status}`,
        codeFromHttpStatus(response.status),
      );
      const error = errorFromJsonBytes(bytes, undefined, fallback);
      return restErrorResponse(error, registry, header);
    }
    const out = route.responseField ? pickResponseField(route, bytes) : bytes;
    header.set("content-type", "application/json");
    header.set("content-length", String(out.byteLength));
    return { status: route.successCode, header, body: oneChunk(out) };
  }

  // The canonical JSON of the response_body field; an unset field answers
  // its zero value ({} for a message, [] for a list) rather than nothing.
  function pickResponseField(route: RestRoute, bytes: Uint8Array): Uint8Array {
    const schema = route.handler.method.output;
    const field = route.responseField as DescField;
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as JsonValue;
    const message = fromJson(schema, parsed, {
      registry,
      ignoreUnknownFields: true,
    });
    const whole = toJson(schema, message, { registry }) as JsonObject;
    let picked = whole[field.jsonName];
    if (picked === undefined) {
      const zero = toJson(schema, create(schema), {
        registry,
        alwaysEmitImplicit: true,
      }) as JsonObject;
      picked =
        field.fieldKind === "message" ? {} : (zero[field.jsonName] ?? null);
    }
    return new TextEncoder().encode(JSON.stringify(picked));
  }
}

// Errors of this layer are ConnectErrors; anything else is a bug whose text
// must not reach the caller.
// Limitation: such a bug is answered 500 and gets only a "refused" line,
// without its cause, since the call never reached the request log.
function asConnectError(e: unknown): ConnectError {
  return e instanceof ConnectError
    ? e
    : new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}

// The caller's headers for the Connect handler, minus those of the REST
// transport and of other protocols, plus what makes it a Connect unary
// JSON call.
function connectRequestHeader(incoming: Headers): Headers {
  const header = new Headers();
  incoming.forEach((value, key) => {
    if (
      key.startsWith(":") ||
      key.startsWith("connect-") ||
      key.startsWith("grpc-") ||
      droppedRequestHeaders.has(key)
    ) {
      return;
    }
    header.set(key, value);
  });
  header.set("content-type", "application/json");
  header.set("connect-protocol-version", "1");
  return header;
}
