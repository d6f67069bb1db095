import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
} from "@connectrpc/connect";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { callerKey } from "../../src/auth/caller.js";
import { DomainError } from "../../src/errors/domain-error.js";
import { errorInterceptor } from "../../src/errors/error-interceptor.js";
import { createLogger } from "../../src/logging/logger.js";
import {
  createRequestLogInterceptor,
  protocolOf,
} from "../../src/logging/request-log-interceptor.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, logger: createLogger({ destination }) };
}

function clientThrowing(thrown: unknown, lines = capture()) {
  const transport = createRouterTransport(
    (router) =>
      router.service(Health, {
        check(_req, context) {
          context.values.set(callerKey, {
            instanceId: "i",
            userId: "user-7",
            orgId: "",
            projectId: "",
            roles: [],
            permissions: new Set<string>(),
          });
          if (thrown !== undefined) {
            throw thrown;
          }
          return {};
        },
      }),
    {
      router: {
        interceptors: [
          createRequestLogInterceptor({ logger: lines.logger }),
          errorInterceptor,
        ],
      },
    },
  );
  return { client: createClient(Health, transport), lines: lines.lines };
}

describe("createRequestLogInterceptor()", () => {
  it("logs one info line for a good call and echoes the request id", async () => {
    const { client, lines } = clientThrowing(undefined);
    let requestId: string | null = null;
    await client.check(
      {},
      {
        headers: { "x-request-id": "abc-123", authorization: "Bearer SECRET" },
        onHeader: (h) => (requestId = h.get("x-request-id")),
      },
    );
    assert.equal(requestId, "abc-123");
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.level, "info");
    assert.equal(line.msg, "call");
    assert.equal(line.procedure, "/grpc.health.v1.Health/Check");
    assert.equal(line.code, "ok");
    assert.equal(line.request_id, "abc-123");
    assert.equal(line.user_id, "user-7");
    assert.equal(typeof line.duration_ms, "number");
    assert.ok(!JSON.stringify(lines).includes("SECRET"));
  });

  it("replaces an invalid request id", async () => {
    const { client, lines } = clientThrowing(undefined);
    await client.check({}, { headers: { "x-request-id": "bad id\u0001" } });
    assert.match(String(lines[0]!.request_id), /^[0-9a-f-]{36}$/);
  });

  it("logs a domain error at info with its code", async () => {
    const { client, lines } = clientThrowing(
      new DomainError("notFound", "X-1", "Errors.X", "X not found"),
    );
    await assert.rejects(client.check({}), (e: unknown) =>
      ConnectError.from(e).code === Code.NotFound);
    assert.equal(lines[0]!.level, "info");
    assert.equal(lines[0]!.code, "NotFound");
  });

  it("turns a bug into Internal and logs the cause at error", async () => {
    const { client, lines } = clientThrowing(new TypeError("boom inside"));
    await assert.rejects(client.check({}), (e: unknown) => {
      const error = ConnectError.from(e);
      return error.code === Code.Internal && !error.message.includes("boom");
    });
    assert.equal(lines[0]!.level, "error");
    assert.equal(lines[0]!.code, "Internal");
    assert.match(JSON.stringify(lines[0]!.err), /boom inside/);
  });
});

describe("protocolOf()", () => {
  const table: [string | null, string][] = [
    ["application/grpc", "grpc"],
    ["application/grpc+proto", "grpc"],
    ["application/grpc-web+proto", "grpc-web"],
    ["application/grpc-web-text", "grpc-web"],
    ["application/json", "connect"],
    ["application/connect+proto", "connect"],
    [null, "connect"],
  ];
  for (const [type, protocol] of table) {
    it(`names ${type} ${protocol}`, () => {
      assert.equal(protocolOf(type), protocol);
    });
  }
});
