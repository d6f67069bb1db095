import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { Code, createClient } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import { mintToken } from "../support/cli-admin.js";
import { authHeaders, createTransport } from "../support/clients.js";
import { startServer, type TestServer } from "../support/start-server.js";

const service = "/zitadel.action.v3alpha.ActionService";
const readMaxBytes = 64 * 1024;

/** One malformed request and the code it must get. */
interface BadRequest {
  readonly name: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: Uint8Array | string;
  /** HTTP/2 (gRPC needs it) or HTTP/1.1 via fetch. */
  readonly h2?: boolean;
  readonly headers?: Record<string, string>;
  /** Send as a Connect GET (no body) instead of POST. */
  readonly get?: boolean;
  readonly code: Code;
}

// gRPC length-prefixed frame: flags byte, 4-byte big-endian length, data.
function frame(data: Uint8Array, flags = 0, length = data.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, data]);
}

// Field 1 (name), length-delimited, then `value` bytes: a CreateTarget
// request in protobuf wire format.
function pbString(field: number, value: string): Buffer {
  const bytes = Buffer.from(value);
  return Buffer.concat([
    Buffer.from([(field << 3) | 2]),
    varint(bytes.length),
    bytes,
  ]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

const huge = "x".repeat(readMaxBytes + 1);
const json = "application/json";
const proto = "application/proto";
const grpcType = "application/grpc";
const grpcWeb = "application/grpc-web+proto";
const grpcWebJson = "application/grpc-web+json";

const table: BadRequest[] = [
  // Connect unary JSON.
  { name: "invalid JSON", path: "CreateTarget", contentType: json,
    body: "{", code: Code.InvalidArgument },
  { name: "JSON array instead of object", path: "CreateTarget",
    contentType: json, body: "[]", code: Code.InvalidArgument },
  { name: "number for a string field", path: "CreateTarget",
    contentType: json, body: '{"name": 5}', code: Code.InvalidArgument },
  { name: "string for a message field", path: "CreateTarget",
    contentType: json, body: '{"timeout": {"seconds": "x"}}',
    code: Code.InvalidArgument },
  { name: "bad duration text", path: "CreateTarget", contentType: json,
    body: '{"timeout": "ten seconds"}', code: Code.InvalidArgument },
  { name: "unknown JSON field", path: "ListTargets", contentType: json,
    body: '{"nope": 1}', code: Code.InvalidArgument },
  { name: "unknown nested JSON field", path: "ListTargets",
    contentType: json, body: '{"query": {"page": 2}}',
    code: Code.InvalidArgument },
  { name: "two members of one oneof", path: "CreateTarget",
    contentType: json,
    body: '{"restWebhook": {}, "restCall": {}}', code: Code.InvalidArgument },
  { name: "unknown enum name", path: "ListTargets", contentType: json,
    body: '{"sortingColumn": "FIELD_NAME_NOPE"}', code: Code.InvalidArgument },
  { name: "unknown enum number in JSON", path: "ListTargets",
    contentType: json, body: '{"sortingColumn": 9999999999}',
    code: Code.InvalidArgument },
  { name: "boolean for a repeated field", path: "ListTargets",
    contentType: json, body: '{"queries": true}', code: Code.InvalidArgument },
  { name: "uint64 offset negative", path: "ListTargets", contentType: json,
    body: '{"query": {"offset": "-1"}}', code: Code.InvalidArgument },
  { name: "uint32 limit too large", path: "ListTargets", contentType: json,
    body: '{"query": {"limit": 99999999999}}', code: Code.InvalidArgument },
  { name: "invalid UTF-8 in JSON", path: "CreateTarget", contentType: json,
    body: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    code: Code.InvalidArgument },
  { name: "JSON body over read-max-bytes", path: "CreateTarget",
    contentType: json, body: JSON.stringify({ name: huge }),
    code: Code.ResourceExhausted },
  { name: "null byte junk as JSON", path: "ListTargets", contentType: json,
    body: "\u0000\u0000", code: Code.InvalidArgument },
  // Connect unary binary.
  { name: "truncated protobuf", path: "CreateTarget", contentType: proto,
    body: Buffer.from([0x0a, 0x10, 0x61]), code: Code.InvalidArgument },
  { name: "invalid wire type", path: "CreateTarget", contentType: proto,
    body: Buffer.from([0x0f, 0x01]), code: Code.InvalidArgument },
  { name: "overlong varint", path: "ListTargets", contentType: proto,
    body: Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0x01]), code: Code.InvalidArgument },
  { name: "invalid UTF-8 in a string field", path: "CreateTarget",
    contentType: proto, body: Buffer.from([0x0a, 0x02, 0xc3, 0x28]),
    code: Code.InvalidArgument },
  { name: "protobuf body over read-max-bytes", path: "CreateTarget",
    contentType: proto, body: pbString(1, huge),
    code: Code.ResourceExhausted },
  // Wrong content types and methods.
  { name: "text/plain", path: "CreateTarget", contentType: "text/plain",
    body: "{}", code: Code.Unimplemented },
  { name: "form encoding", path: "CreateTarget",
    contentType: "application/x-www-form-urlencoded", body: "a=b",
    code: Code.Unimplemented },
  { name: "unknown method", path: "NoSuchMethod", contentType: json,
    body: "{}", code: Code.Unimplemented },
  // gRPC over HTTP/2.
  { name: "gRPC frame truncated", path: "ListTargets", contentType: grpcType,
    body: frame(Buffer.from([0x0a]), 0, 100), h2: true,
    code: Code.InvalidArgument },
  { name: "gRPC header cut short", path: "ListTargets",
    contentType: grpcType, body: Buffer.from([0, 0, 0]), h2: true,
    code: Code.InvalidArgument },
  { name: "gRPC bad protobuf bytes", path: "CreateTarget",
    contentType: grpcType, body: frame(Buffer.from([0x0a, 0x7f, 0x01])),
    h2: true, code: Code.InvalidArgument },
  { name: "gRPC-web-text (base64) content type", path: "ListTargets",
    contentType: "application/grpc-web-text", body: "AAAAAAA=",
    code: Code.Unimplemented },
  { name: "gRPC frame over read-max-bytes", path: "CreateTarget",
    contentType: grpcType, body: frame(pbString(1, huge)), h2: true,
    code: Code.ResourceExhausted },
  { name: "gRPC two frames for a unary call", path: "ListTargets",
    contentType: grpcType,
    body: Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.alloc(0))]),
    h2: true, code: Code.Unimplemented },
  { name: "gRPC unsupported encoding", path: "ListTargets",
    contentType: grpcType, body: frame(Buffer.alloc(0)), h2: true,
    headers: { "grpc-encoding": "snappy" }, code: Code.Unimplemented },
  { name: "gRPC invalid timeout header", path: "ListTargets",
    contentType: grpcType, body: frame(Buffer.alloc(0)), h2: true,
    headers: { "grpc-timeout": "forever" }, code: Code.InvalidArgument },
  // gRPC-web over HTTP/1.1.
  { name: "gRPC-web truncated frame", path: "ListTargets",
    contentType: grpcWeb, body: frame(Buffer.from([0x0a]), 0, 50),
    code: Code.InvalidArgument },
  // Connect's answer to a unary call without a message.
  { name: "gRPC-web empty body", path: "ListTargets", contentType: grpcWeb,
    body: Buffer.alloc(0), code: Code.Unimplemented },
  { name: "gRPC-web bad protobuf", path: "CreateTarget",
    contentType: grpcWeb, body: frame(Buffer.from([0xff, 0xff])),
    code: Code.InvalidArgument },
  { name: "gRPC-web JSON invalid", path: "CreateTarget",
    contentType: grpcWebJson, body: frame(Buffer.from("{oops")),
    code: Code.InvalidArgument },
  { name: "gRPC-web JSON oneof conflict", path: "CreateTarget",
    contentType: grpcWebJson,
    body: frame(Buffer.from('{"restCall": {}, "restAsync": {}}')),
    code: Code.InvalidArgument },
  { name: "gRPC-web frame over read-max-bytes", path: "CreateTarget",
    contentType: grpcWeb, body: frame(pbString(1, huge)),
    code: Code.ResourceExhausted },
  { name: "gRPC-web over HTTP/2 bad protobuf", path: "CreateTarget",
    contentType: grpcWeb, body: frame(Buffer.from([0x0a, 0x05])), h2: true,
    code: Code.InvalidArgument },
];

/** The status a raw response carries, on any protocol. */
interface Outcome {
  readonly httpStatus: number;
  readonly code: Code | undefined;
}

// Connect answers JSON {code:"invalid_argument"}; gRPC and gRPC-web carry
// grpc-status in headers, trailers or a trailer frame.
const connectCodes: Record<string, Code> = Object.fromEntries(
  Object.entries(Code)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [k.replace(/[A-Z]/g, (c, i) =>
      (i ? "_" : "") + c.toLowerCase()), v as Code]),
);

function grpcWebTrailerStatus(body: Buffer): Code | undefined {
  let offset = 0;
  while (offset + 5 <= body.length) {
    const flags = body[offset]!;
    const length = body.readUInt32BE(offset + 1);
    const data = body.subarray(offset + 5, offset + 5 + length);
    if (flags & 0x80) {
      const match = /grpc-status:\s*(\d+)/i.exec(data.toString());
      return match ? (Number(match[1]) as Code) : undefined;
    }
    offset += 5 + length;
  }
  return undefined;
}

function parseOutcome(
  contentType: string,
  httpStatus: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Outcome {
  // Connect answers an unsupported content type (415) or an unknown
  // path (404) without a body; its HTTP mapping makes both Unimplemented.
  if (httpStatus === 415 || httpStatus === 404) {
    return { httpStatus, code: Code.Unimplemented };
  }
  const status = headers["grpc-status"];
  if (status !== undefined) {
    return { httpStatus, code: Number(status) as Code };
  }
  if (contentType.startsWith("application/grpc-web")) {
    return { httpStatus, code: grpcWebTrailerStatus(body) };
  }
  try {
    const parsed = JSON.parse(body.toString()) as { code?: string };
    if (parsed.code !== undefined) {
      return { httpStatus, code: connectCodes[parsed.code] };
    }
  } catch {
    // Not JSON, e.g. a plain 415.
  }
  return { httpStatus, code: undefined };
}

function sendH2(
  server: TestServer,
  request: BadRequest,
  auth: Record<string, string>,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(server.baseUrl);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": `${service}/${request.path}`,
      "content-type": request.contentType,
      te: "trailers",
      ...auth,
      ...request.headers,
    });
    stream.setTimeout(10_000, () => stream.close());
    let headers: Record<string, string | string[] | undefined> = {};
    let httpStatus = 0;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      headers = { ...h };
      httpStatus = Number(h[":status"]);
    });
    const finish = () => {
      session.close();
      resolve(
        parseOutcome(request.contentType, httpStatus, headers,
          Buffer.concat(chunks)),
      );
    };
    stream.on("trailers", (t) => {
      headers = { ...headers, ...t };
      // The server may answer before it has read the whole body (a body
      // over the limit); then the rest need not be sent.
      stream.destroy();
      finish();
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    stream.on("close", finish);
    stream.end(request.body);
  });
}

async function sendH1(
  server: TestServer,
  request: BadRequest,
  auth: Record<string, string>,
): Promise<Outcome> {
  const query = request.get ? "?encoding=json" : "";
  const res = await fetch(`${server.baseUrl}${service}/${request.path}${query}`, {
    method: request.get ? "GET" : "POST",
    headers: {
      ...(request.get ? {} : { "content-type": request.contentType }),
      ...auth,
      ...request.headers,
    },
    body: request.get ? undefined : (request.body as BodyInit),
    signal: AbortSignal.timeout(10_000),
  });
  const body = Buffer.from(await res.arrayBuffer());
  return parseOutcome(
    request.contentType,
    res.status,
    Object.fromEntries(res.headers as unknown as Iterable<[string, string]>),
    body,
  );
}

describe("malformed requests", { timeout: 120_000 }, () => {
  let server: TestServer;
  let viewerToken: string;
  before(async () => {
    server = await startServer({
      args: ["--read-max-bytes", String(readMaxBytes)],
    });
    viewerToken = await mintToken(server.dataDir, ["IAM_OWNER_VIEWER"]);
  });
  after(async () => {
    assert.equal(await server.stop(), 0, server.output());
  });

  it("has a table of at least 30 rows", () => {
    assert.ok(table.length >= 30);
  });

  const send = (request: BadRequest, auth: Record<string, string>) =>
    request.h2 ? sendH2(server, request, auth) : sendH1(server, request, auth);

  for (const request of table) {
    it(`answers ${Code[request.code]} for ${request.name}`, async () => {
      const outcome = await send(request, authHeaders(server));
      assert.equal(
        outcome.code,
        request.code,
        `status ${outcome.httpStatus}, code ${outcome.code}`,
      );
      assert.notEqual(outcome.httpStatus, 500);
    });
  }

  // Authorization runs before validation, also for what does not decode:
  // a call of a served method in a protocol it speaks meets the token and
  // permission checks first. Other requests are no call and keep their code.
  const isCall = (request: BadRequest) =>
    request.path !== "NoSuchMethod" &&
    [json, proto, grpcType, grpcWeb, grpcWebJson].includes(request.contentType);

  for (const request of table) {
    const code = isCall(request) ? Code.Unauthenticated : request.code;
    it(`answers ${Code[code]} without a token for ${request.name}`, async () => {
      const outcome = await send(request, {});
      assert.equal(
        outcome.code,
        code,
        `status ${outcome.httpStatus}, code ${outcome.code}`,
      );
    });
  }

  for (const request of table.filter((r) => r.path === "CreateTarget")) {
    const code = isCall(request) ? Code.PermissionDenied : request.code;
    it(`answers ${Code[code]} to a viewer for ${request.name}`, async () => {
      const outcome = await send(request, {
        authorization: `Bearer ${viewerToken}`,
      });
      assert.equal(
        outcome.code,
        code,
        `status ${outcome.httpStatus}, code ${outcome.code}`,
      );
    });
  }

  it("is still healthy and serving afterwards", async () => {
    for (const kind of ["grpc", "connect-json-1.1"] as const) {
      const client = createClient(Health, createTransport(server, kind));
      const res = await client.check({ service: "" }, { timeoutMs: 5000 });
      assert.equal(res.status, HealthCheckResponse_ServingStatus.SERVING);
    }
    const res = await fetch(`${server.baseUrl}${service}/ListExecutionMethods`, {
      method: "POST",
      headers: { "content-type": json, ...authHeaders(server) },
      body: "{}",
      signal: AbortSignal.timeout(5000),
    });
    assert.notEqual(res.status, 500);
    assert.match(server.output(), /"msg":"listening"/);
    assert.doesNotMatch(server.output(), /uncaught|FATAL/i);
  });
});
