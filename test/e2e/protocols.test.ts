import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import * as grpc from "@grpc/grpc-js";
import {
  createActionClient,
  createTransport,
  authHeaders,
  grpcCredentials,
  grpcMetadata,
  grpcUnary,
  loadGrpcPackage,
  transportKinds,
  type TransportKind,
} from "../support/clients.js";
import { startServer, type TestServer } from "../support/start-server.js";
import { createTestCertificate } from "../support/tls-cert.js";

const service = "zitadel.action.v3alpha.ActionService";
const timeoutMs = 10_000;

// One target per call, so that the names never collide across protocols.
let counter = 0;
function uniqueName(kind: string): string {
  counter++;
  return `e2e-${kind}-${counter}-${Date.now()}`;
}

async function exerciseActionService(
  server: TestServer,
  kind: TransportKind,
  tlsCa?: string,
): Promise<void> {
  const client = createActionClient(server, kind, tlsCa);
  const methods = await client.listExecutionMethods({}, { timeoutMs });
  assert.ok(methods.methods.includes(`/${service}/ListTargets`));
  const name = uniqueName(kind);
  const created = await client.createTarget(
    {
      name,
      targetType: { case: "restWebhook", value: { interruptOnError: true } },
      timeout: { seconds: 10n },
      endpoint: "https://example.com/hook",
    },
    { timeoutMs },
  );
  assert.match(created.id, /^\d+$/);
  const got = await client.getTargetByID(
    { targetId: created.id },
    { timeoutMs },
  );
  assert.equal(got.target?.name, name);
  assert.equal(got.target?.targetType.case, "restWebhook");
  await assert.rejects(
    client.getTargetByID({ targetId: "does-not-exist" }, { timeoutMs }),
    (error: unknown) => ConnectError.from(error).code === Code.NotFound,
  );
}

describe("the server over h2c and HTTP/1.1", { timeout: 60_000 }, () => {
  let server: TestServer;
  let grpcPackage: ReturnType<typeof loadGrpcPackage>;
  before(async () => {
    server = await startServer();
    grpcPackage = loadGrpcPackage();
  });
  after(async () => {
    assert.equal(await server.stop(), 0, server.output());
  });

  for (const kind of transportKinds) {
    it(`serves health Check over ${kind}`, async () => {
      const client = createClient(Health, createTransport(server, kind));
      const res = await client.check({ service }, { timeoutMs });
      assert.equal(res.status, HealthCheckResponse_ServingStatus.SERVING);
    });
  }

  for (const kind of transportKinds) {
    it(`serves the Action Service over ${kind}`, async () => {
      await exerciseActionService(server, kind);
    });
  }

  it("serves plain fetch with Connect JSON", async () => {
    const res = await fetch(
      `${server.baseUrl}/${service}/ListExecutionMethods`,
      {
        method: "POST",
        headers: { "content-type": "application/json", ...authHeaders(server) },
        body: "{}",
        signal: AbortSignal.timeout(timeoutMs),
      },
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get("x-request-id") ?? "", /.+/);
    const body = (await res.json()) as { methods: string[] };
    assert.deepEqual(body.methods, [...body.methods].sort());
    assert.ok(body.methods.includes(`/${service}/SetExecution`));
  });

  it("echoes a valid x-request-id", async () => {
    const res = await fetch(
      `${server.baseUrl}/${service}/ListExecutionFunctions`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-request-id": "req-1234",
          ...authHeaders(server),
        },
        body: "{}",
        signal: AbortSignal.timeout(timeoutMs),
      },
    );
    assert.equal(res.headers.get("x-request-id"), "req-1234");
    const body = (await res.json()) as { functions: string[] };
    assert.deepEqual(body.functions, [
      "preaccesstoken",
      "presamlresponse",
      "preuserinfo",
    ]);
  });

  it("serves grpc-js with our .proto files over h2c", async () => {
    const Client = grpcPackage.zitadel.action.v3alpha.ActionService;
    const client: grpc.Client = new Client(
      `127.0.0.1:${server.port}`,
      grpcCredentials(),
    );
    try {
      const name = uniqueName("grpc-js");
      const created = await grpcUnary<{ id: string }>(
        client,
        "CreateTarget",
        {
          name,
          restCall: { interruptOnError: false },
          timeout: { seconds: 5 },
          endpoint: "https://example.com/call",
        },
        grpcMetadata(server),
      );
      const got = await grpcUnary<{ target: { name: string } }>(
        client,
        "GetTargetByID",
        { targetId: created.id },
        grpcMetadata(server),
      );
      assert.equal(got.target.name, name);
      await assert.rejects(
        grpcUnary(client, "GetTargetByID", { targetId: "missing" },
          grpcMetadata(server)),
        (error: grpc.ServiceError) => error.code === grpc.status.NOT_FOUND,
      );
    } finally {
      client.close();
    }
  });

  it("logs one line per call without the token", async () => {
    const client = createActionClient(server, "connect-json-1.1");
    await client.listExecutionServices({}, { timeoutMs });
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.includes("ListExecutionServices"));
    assert.ok(lines.length >= 1);
    const entry = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    assert.equal(entry.protocol, "connect");
    assert.equal(entry.code, "ok");
    assert.equal(typeof entry.duration_ms, "number");
    if (server.adminToken !== "") {
      assert.ok(!server.output().includes(server.adminToken));
    }
  });
});

describe("the server over TLS", { timeout: 60_000 }, () => {
  let server: TestServer;
  let certPem: string;
  before(async () => {
    const cert = createTestCertificate();
    certPem = cert.certPem;
    server = await startServer({
      args: ["--tls-cert", cert.certFile, "--tls-key", cert.keyFile],
    });
  });
  after(async () => {
    assert.equal(await server.stop(), 0, server.output());
  });

  it("answers with https in the listening line", () => {
    assert.ok(server.baseUrl.startsWith("https://"));
  });

  for (const kind of [
    "connect-json-1.1",
    "connect-binary-2",
    "grpc",
    "grpc-web-binary-1.1",
    "grpc-web-json-2",
  ] as const) {
    it(`serves the Action Service over TLS with ${kind}`, async () => {
      await exerciseActionService(server, kind, certPem);
    });
  }

  for (const kind of ["connect-json-1.1", "grpc", "grpc-web-json-2"] as const) {
    it(`serves health Check over TLS with ${kind}`, async () => {
      const client = createClient(
        Health,
        createTransport(server, kind, certPem),
      );
      const res = await client.check({ service: "" }, { timeoutMs });
      assert.equal(res.status, HealthCheckResponse_ServingStatus.SERVING);
    });
  }

  it("serves grpc-js over TLS", async () => {
    const Client = loadGrpcPackage().zitadel.action.v3alpha.ActionService;
    const client: grpc.Client = new Client(
      `127.0.0.1:${server.port}`,
      grpcCredentials(certPem),
    );
    try {
      const res = await grpcUnary<{ methods: string[] }>(
        client,
        "ListExecutionMethods",
        {},
        grpcMetadata(server),
      );
      assert.ok(res.methods.includes(`/${service}/CreateTarget`));
    } finally {
      client.close();
    }
  });
});
