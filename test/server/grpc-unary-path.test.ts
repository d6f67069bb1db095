import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  type Interceptor,
} from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ActionService,
  GetTargetByIDRequestSchema,
} from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { ErrorDetailSchema } from "../../gen/zitadel/v1/error_detail_pb.js";
import { requestHostKey } from "../../src/auth/caller.js";
import { createListener, type Listener } from "../../src/server/listener.js";
import { createRpcHandler } from "../../src/server/rpc-handler.js";

// Raw HTTP/2 calls, for bodies no client would send.
function rawCall(
  baseUrl: string,
  body: Buffer,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: string | undefined; trailers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": "/zitadel.action.v3alpha.ActionService/GetTargetByID",
      "content-type": "application/grpc",
      te: "trailers",
      ...extraHeaders,
    });
    let status: string | undefined;
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on("response", (headers) => {
      const value = headers["grpc-status"];
      status = typeof value === "string" ? value : undefined;
    });
    stream.on("trailers", (t) => {
      trailers = t;
      const value = t["grpc-status"];
      status = typeof value === "string" ? value : status;
    });
    stream.on("data", () => {});
    stream.on("error", reject);
    stream.on("end", () => {
      session.close();
      resolve({ status, trailers });
    });
    stream.end(body);
  });
}

function frame(message: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = flags;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

describe("createGrpcUnaryPath() through createRpcHandler()", () => {
  let listener: Listener;
  let baseUrl: string;
  const seen: { host?: string; timeoutMs?: number; aborted?: boolean } = {};
  let releaseCancel: (() => void) | undefined;
  const cancelSeen = new Promise<void>((resolve) => (releaseCancel = resolve));

  const tagging: Interceptor = (next) => async (req) => {
    seen.host = req.contextValues.get(requestHostKey);
    const res = await next(req);
    res.header.set("x-tag", "from-interceptor");
    res.trailer.set("x-trailer", "t");
    return res;
  };

  before(async () => {
    const rpc = createRpcHandler({
      routes: (router) =>
        router.service(ActionService, {
          async getTargetByID(request, context) {
            seen.timeoutMs = context.timeoutMs();
            if (request.targetId === "fail") {
              throw new ConnectError("nope", Code.NotFound, { "x-meta": "m" }, [
                {
                  desc: ErrorDetailSchema,
                  value: { id: "QUERY-1", message: "nope" },
                },
              ]);
            }
            if (request.targetId === "hang") {
              await new Promise<void>((resolve) =>
                context.signal.addEventListener("abort", () => resolve()),
              );
              seen.aborted = context.signal.aborted;
              releaseCancel?.();
              return {};
            }
            return { target: { targetId: request.targetId, name: "n" } };
          },
        }),
      interceptors: [tagging],
      readMaxBytes: 64,
    });
    listener = createListener({ handler: rpc.handler });
    const port = await listener.listen("127.0.0.1", 0);
    baseUrl = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await listener.close(1000);
  });

  it("answers a unary call with the interceptors' header and trailer", async () => {
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const client = createClient(
      ActionService,
      createGrpcTransport({ baseUrl }),
    );
    const res = await client.getTargetByID(
      { targetId: "t1" },
      { onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    assert.equal(res.target?.targetId, "t1");
    assert.equal(header?.get("x-tag"), "from-interceptor");
    assert.equal(trailer?.get("x-trailer"), "t");
    assert.equal(seen.host, baseUrl.slice("http://".length));
    assert.equal(seen.timeoutMs, undefined);
  });

  it("passes the client's deadline to the handler", async () => {
    const client = createClient(
      ActionService,
      createGrpcTransport({ baseUrl }),
    );
    await client.getTargetByID({ targetId: "t2" }, { timeoutMs: 30_000 });
    assert.ok(seen.timeoutMs !== undefined && seen.timeoutMs > 20_000);
  });

  it("keeps the code, details and metadata of an error", async () => {
    const client = createClient(
      ActionService,
      createGrpcTransport({ baseUrl }),
    );
    const error = await client.getTargetByID({ targetId: "fail" }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(error?.code, Code.NotFound);
    assert.equal(error?.metadata.get("x-meta"), "m");
    const details = error?.findDetails(ErrorDetailSchema) ?? [];
    assert.equal(details[0]?.id, "QUERY-1");
  });

  it("aborts the handler's signal when the client cancels", async () => {
    const client = createClient(
      ActionService,
      createGrpcTransport({ baseUrl }),
    );
    const controller = new AbortController();
    const call = client
      .getTargetByID({ targetId: "hang" }, { signal: controller.signal })
      .catch((e: unknown) => ConnectError.from(e));
    setTimeout(() => controller.abort(), 50);
    const outcome = await call;
    assert.ok(outcome instanceof ConnectError);
    await cancelSeen;
    assert.equal(seen.aborted, true);
  });

  it("answers InvalidArgument for bytes that do not decode", async () => {
    const res = await rawCall(baseUrl, frame(Buffer.from([0xff, 0xff, 0xff])));
    assert.equal(res.status, String(Code.InvalidArgument));
  });

  it("answers ResourceExhausted for a message over readMaxBytes", async () => {
    const big = toBinary(
      GetTargetByIDRequestSchema,
      create(GetTargetByIDRequestSchema, { targetId: "x".repeat(200) }),
    );
    const res = await rawCall(baseUrl, frame(big));
    assert.equal(res.status, String(Code.ResourceExhausted));
  });

  it("answers ResourceExhausted for a message just over the limit", async () => {
    // 65 bytes of message: the body is within readMaxBytes plus the
    // envelope prefix, the message is not.
    const message = toBinary(
      GetTargetByIDRequestSchema,
      create(GetTargetByIDRequestSchema, { targetId: "y".repeat(63) }),
    );
    assert.equal(message.length, 65);
    const res = await rawCall(baseUrl, frame(message));
    assert.equal(res.status, String(Code.ResourceExhausted));
  });

  it("leaves a compressed envelope to Connect, which refuses it", async () => {
    const message = toBinary(
      GetTargetByIDRequestSchema,
      create(GetTargetByIDRequestSchema, { targetId: "t3" }),
    );
    // The compressed flag without a grpc-encoding is a protocol error.
    const res = await rawCall(baseUrl, frame(message, 1));
    assert.equal(res.status, String(Code.Internal));
  });

  it("leaves two envelopes in a unary call to Connect", async () => {
    const message = toBinary(
      GetTargetByIDRequestSchema,
      create(GetTargetByIDRequestSchema, { targetId: "t4" }),
    );
    const res = await rawCall(
      baseUrl,
      Buffer.concat([frame(message), frame(message)]),
    );
    assert.notEqual(res.status, "0");
    assert.notEqual(res.status, undefined);
  });
});
