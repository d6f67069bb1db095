import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import { startServer, type TestServer } from "../support/start-server.js";
import {
  grpcUnary,
  loadGrpcPackage,
  transportKinds,
  type GrpcPackage,
} from "../support/clients.js";
import { addInstance, mintToken, setActions } from "../support/cli-admin.js";
import {
  bearerMetadata,
  connectJsonCall,
  createGrpcJsClient,
  createHostClient,
  createHostTransport,
  http1Request,
  http2Request,
  type HostAnswer,
} from "../support/host-requests.js";

// "localhost" is a domain of the default instance (A); tenant-b.test is
// the second instance the tests add; nobody claims unknown.test.
const hostA = "localhost";
const hostB = "tenant-b.test";
const unknownHost = "unknown.test";
const garbageToken = "not-a-token";

let counter = 0;
function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${counter}-${Date.now()}`;
}

function targetInit(name: string) {
  return {
    name,
    targetType: {
      case: "restWebhook" as const,
      value: { interruptOnError: false },
    },
    timeout: { seconds: 10n },
    endpoint: "https://example.com/hook",
  };
}

function targetJson(name: string) {
  return {
    name,
    restWebhook: { interruptOnError: false },
    timeout: "10s",
    endpoint: "https://example.com/hook",
  };
}

async function assertCode(call: Promise<unknown>, code: Code): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, code, `${Code[error.code]}: ${error.message}`);
    return true;
  });
}

async function assertGrpcCode(
  call: Promise<unknown>,
  code: grpc.status,
): Promise<void> {
  await assert.rejects(call, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${error.code}: ${error.details}`);
    return true;
  });
}

// Connect answers errors with the code's name in snake case.
function assertConnectJsonError(
  answer: HostAnswer,
  status: number,
  code: string,
) {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.equal((answer.json as { code?: string }).code, code);
}

// Sends raw bytes, since every HTTP client adds a Host header itself, and
// answers the status line and headers.
function rawHttp10(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(request));
    let answer = "";
    socket.setEncoding("utf8");
    socket.setTimeout(5_000, () => socket.destroy(new Error("timeout")));
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer.split("\r\n\r\n")[0] ?? ""));
  });
}

function assertRestError(answer: HostAnswer, status: number, code: Code) {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.equal((answer.json as { code?: number }).code, code);
}

describe("authentication and permissions on the real server", {
  timeout: 120_000,
}, () => {
  let server: TestServer;
  let owner: string;
  let viewer: string;
  let instanceB: string;
  let ownerB: string;
  let grpcPackage: GrpcPackage;
  const authorityA = () => `${hostA}:${server.port}`;
  const authorityB = () => `${hostB}:${server.port}`;

  before(async () => {
    server = await startServer();
    owner = server.adminToken;
    assert.notEqual(owner, "");
    instanceB = await addInstance(server.dataDir, "tenant-b", [hostB]);
    [viewer, ownerB] = await Promise.all([
      mintToken(server.dataDir, ["IAM_OWNER_VIEWER"]),
      mintToken(server.dataDir, ["IAM_OWNER"], hostB),
    ]);
    grpcPackage = loadGrpcPackage();
  });
  after(async () => {
    await server?.stop();
  });

  for (const kind of transportKinds) {
    describe(`connect-node ${kind}`, () => {
      const client = (token: string, host = hostA) =>
        createHostClient(host, server.port, kind, token);

      it("answers Unauthenticated without a token", async () => {
        await assertCode(client("").listTargets({}), Code.Unauthenticated);
      });

      it("answers Unauthenticated for a garbage token", async () => {
        await assertCode(
          client(garbageToken).listTargets({}),
          Code.Unauthenticated,
        );
      });

      it("answers PermissionDenied to a viewer's write", async () => {
        await assertCode(
          client(viewer).createTarget(targetInit(uniqueName(kind))),
          Code.PermissionDenied,
        );
      });

      it("lets a viewer read", async () => {
        const res = await client(viewer).listTargets({});
        assert.equal(typeof res.details?.totalResult, "bigint");
      });

      it("lets the owner write and read", async () => {
        const name = uniqueName(kind);
        const created = await client(owner).createTarget(targetInit(name));
        const got = await client(viewer).getTargetByID({
          targetId: created.id,
        });
        assert.equal(got.target?.name, name);
      });

      it("answers Unauthenticated for B's token at A's domain", async () => {
        await assertCode(client(ownerB).listTargets({}), Code.Unauthenticated);
      });

      it("answers Unauthenticated for A's token at B's domain", async () => {
        await assertCode(
          client(owner, hostB).listTargets({}),
          Code.Unauthenticated,
        );
      });

      it("serves B at its own domain with B's token", async () => {
        const res = await client(ownerB, hostB).listExecutionFunctions({});
        assert.ok(res.functions.includes("preuserinfo"));
      });

      it("answers NotFound for a host no instance claims", async () => {
        await assertCode(
          client(owner, unknownHost).listTargets({}),
          Code.NotFound,
        );
      });
    });
  }

  describe("grpc-js", () => {
    const call = (
      method: string,
      request: unknown,
      token: string,
      authority?: string,
    ) => {
      const client = createGrpcJsClient(server.port, authority, grpcPackage);
      return grpcUnary(client, method, request, bearerMetadata(token))
        .finally(() => client.close());
    };
    const target = () => ({
      name: uniqueName("grpc-js"),
      restWebhook: { interruptOnError: false },
      timeout: { seconds: 10 },
      endpoint: "https://example.com/hook",
    });

    it("answers UNAUTHENTICATED without a token", async () => {
      await assertGrpcCode(
        call("ListTargets", {}, ""),
        grpc.status.UNAUTHENTICATED,
      );
    });

    it("answers UNAUTHENTICATED for a garbage token", async () => {
      await assertGrpcCode(
        call("ListTargets", {}, garbageToken),
        grpc.status.UNAUTHENTICATED,
      );
    });

    it("answers PERMISSION_DENIED to a viewer's write, OK to its read", async () => {
      await assertGrpcCode(
        call("CreateTarget", target(), viewer),
        grpc.status.PERMISSION_DENIED,
      );
      await call("ListTargets", {}, viewer);
    });

    it("lets the owner write", async () => {
      const created = await call("CreateTarget", target(), owner) as {
        id: string;
      };
      assert.match(created.id, /^\d+$/);
    });

    it("answers UNAUTHENTICATED for B's token at A's authority", async () => {
      await assertGrpcCode(
        call("ListTargets", {}, ownerB, authorityA()),
        grpc.status.UNAUTHENTICATED,
      );
    });

    it("serves B at :authority tenant-b.test with B's token", async () => {
      const created = await call(
        "CreateTarget",
        target(),
        ownerB,
        authorityB(),
      ) as { details: { resourceOwner: string } };
      assert.equal(created.details.resourceOwner, instanceB);
    });

    it("answers NOT_FOUND for an :authority no instance claims", async () => {
      await assertGrpcCode(
        call("ListTargets", {}, owner, `${unknownHost}:${server.port}`),
        grpc.status.NOT_FOUND,
      );
    });
  });

  describe("Connect JSON over raw HTTP/2 with :authority", () => {
    it("serves B at tenant-b.test with B's token", async () => {
      const answer = await connectJsonCall(
        server.port,
        authorityB(),
        "CreateTarget",
        ownerB,
        targetJson(uniqueName("h2")),
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      const json = answer.json as { details: { resourceOwner: string } };
      assert.equal(json.details.resourceOwner, instanceB);
    });

    it("answers unauthenticated for A's token at tenant-b.test", async () => {
      const answer = await connectJsonCall(
        server.port,
        authorityB(),
        "ListTargets",
        owner,
      );
      assertConnectJsonError(answer, 401, "unauthenticated");
    });

    it("answers not_found for an unknown :authority", async () => {
      const answer = await connectJsonCall(
        server.port,
        `${unknownHost}:${server.port}`,
        "ListTargets",
        owner,
      );
      assertConnectJsonError(answer, 404, "not_found");
    });

    it("ignores the port and the case of the :authority", async () => {
      const answer = await connectJsonCall(
        server.port,
        "TENANT-B.test:1",
        "ListTargets",
        ownerB,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
    });
  });

  describe("REST", () => {
    const rest = (
      method: string,
      path: string,
      token: string,
      body?: unknown,
    ): Promise<HostAnswer> =>
      fetch(server.baseUrl + path, {
        method,
        headers: {
          ...(token === "" ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      }).then(async (res) => {
        const text = await res.text();
        const headers: Record<string, string> = {};
        res.headers.forEach((value, name) => (headers[name] = value));
        return {
          status: res.status,
          headers,
          json: text === "" ? undefined : JSON.parse(text),
        };
      });

    it("answers 401 with WWW-Authenticate: Bearer without a token", async () => {
      const answer = await rest("POST", "/v3alpha/targets/search", "", {});
      assertRestError(answer, 401, Code.Unauthenticated);
      assert.match(String(answer.headers["www-authenticate"]), /^Bearer\b/);
    });

    it("answers 401 with WWW-Authenticate: Bearer for a garbage token", async () => {
      const answer = await rest("GET", "/v3alpha/targets/1", garbageToken);
      assertRestError(answer, 401, Code.Unauthenticated);
      assert.match(String(answer.headers["www-authenticate"]), /^Bearer\b/);
    });

    it("answers 403 to a viewer's write and 200 to its read", async () => {
      const denied = await rest(
        "POST",
        "/v3alpha/targets",
        viewer,
        targetJson(uniqueName("rest")),
      );
      assertRestError(denied, 403, Code.PermissionDenied);
      const read = await rest("POST", "/v3alpha/targets/search", viewer, {});
      assert.equal(read.status, 200, JSON.stringify(read.json));
    });

    it("checks permission before validation", async () => {
      // An invalid body: a caller without permission learns nothing of it.
      const denied = await rest("POST", "/v3alpha/targets", viewer, {
        name: "",
      });
      assertRestError(denied, 403, Code.PermissionDenied);
    });

    it("answers 201 to the owner's write", async () => {
      const answer = await rest(
        "POST",
        "/v3alpha/targets",
        owner,
        targetJson(uniqueName("rest")),
      );
      assert.equal(answer.status, 201, JSON.stringify(answer.json));
    });

    it("answers 401 for B's token at A's host", async () => {
      const answer = await rest("POST", "/v3alpha/targets/search", ownerB, {});
      assertRestError(answer, 401, Code.Unauthenticated);
    });

    it("answers 404 for a Host no instance claims (HTTP/1.1)", async () => {
      const answer = await http1Request({
        port: server.port,
        host: `${unknownHost}:${server.port}`,
        method: "POST",
        path: "/v3alpha/targets/search",
        token: owner,
        body: {},
      });
      assertRestError(answer, 404, Code.NotFound);
    });

    it("answers 404 for an HTTP/1.0 request without any Host", async () => {
      const head = await rawHttp10(
        server.port,
        "GET /v3alpha/executions/functions HTTP/1.0\r\n" +
          `Authorization: Bearer ${owner}\r\n\r\n`,
      );
      assert.match(head, /^HTTP\/1\.[01] 404 /);
    });

    it("answers 404 for an :authority no instance claims (HTTP/2)", async () => {
      const answer = await http2Request({
        port: server.port,
        host: `${unknownHost}:${server.port}`,
        method: "GET",
        path: "/v3alpha/executions/functions",
        token: owner,
      });
      assertRestError(answer, 404, Code.NotFound);
    });

    it("answers 401 with WWW-Authenticate over HTTP/2 too", async () => {
      const answer = await http2Request({
        port: server.port,
        host: authorityB(),
        method: "GET",
        path: "/v3alpha/executions/functions",
        token: owner,
      });
      assertRestError(answer, 401, Code.Unauthenticated);
      assert.match(String(answer.headers["www-authenticate"]), /^Bearer\b/);
    });

    it("serves B by Host tenant-b.test with B's token only", async () => {
      const request = (token: string) =>
        http1Request({
          port: server.port,
          host: authorityB(),
          method: "POST",
          path: "/v3alpha/targets",
          token,
          body: targetJson(uniqueName("rest-b")),
        });
      const created = await request(ownerB);
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const json = created.json as { details: { resourceOwner: string } };
      assert.equal(json.details.resourceOwner, instanceB);
      assertRestError(await request(owner), 401, Code.Unauthenticated);
    });
  });

  describe("health", () => {
    it("answers Check without a token on gRPC and Connect", async () => {
      for (const kind of ["grpc", "connect-json-1.1"] as const) {
        const health = createClient(
          Health,
          createHostTransport(hostA, server.port, kind, ""),
        );
        const res = await health.check({});
        assert.equal(res.status, HealthCheckResponse_ServingStatus.SERVING);
      }
    });

    it("answers Check without a token over grpc-js", async () => {
      const client = new grpcPackage.grpc.health.v1.Health(
        `127.0.0.1:${server.port}`,
        grpc.credentials.createInsecure(),
      ) as grpc.Client;
      try {
        const res = await grpcUnary<{ status: string }>(
          client,
          "Check",
          {},
          new grpc.Metadata(),
        );
        assert.equal(res.status, "SERVING");
      } finally {
        client.close();
      }
    });
  });
});

describe("the feature actions, switched by the CLI while serving", {
  timeout: 60_000,
}, () => {
  let server: TestServer;
  let viewer: string;
  const nameLists = [
    "ListExecutionFunctions",
    "ListExecutionMethods",
    "ListExecutionServices",
  ] as const;

  before(async () => {
    server = await startServer();
    viewer = await mintToken(server.dataDir, ["IAM_OWNER_VIEWER"]);
  });
  after(async () => {
    await server?.stop();
  });

  const connect = (token = server.adminToken) =>
    createHostClient(hostA, server.port, "connect-json-1.1", token);

  it("works before the switch", async () => {
    await connect().createTarget(targetInit(uniqueName("before")));
  });

  it("answers FailedPrecondition on every protocol once off", async () => {
    await setActions(server.dataDir, hostA, false);
    await assertCode(
      connect().createTarget(targetInit(uniqueName("off"))),
      Code.FailedPrecondition,
    );
    await assertCode(connect().listTargets({}), Code.FailedPrecondition);
    await assertCode(
      connect(viewer).listExecutions({}),
      Code.FailedPrecondition,
    );
    for (const kind of ["grpc", "grpc-web-binary-2"] as const) {
      await assertCode(
        createHostClient(hostA, server.port, kind, server.adminToken)
          .listTargets({}),
        Code.FailedPrecondition,
      );
    }
    const client = createGrpcJsClient(server.port);
    try {
      await assertGrpcCode(
        grpcUnary(client, "ListTargets", {}, bearerMetadata(server.adminToken)),
        grpc.status.FAILED_PRECONDITION,
      );
    } finally {
      client.close();
    }
    const rest = await http1Request({
      port: server.port,
      host: `${hostA}:${server.port}`,
      method: "POST",
      path: "/v3alpha/targets",
      token: server.adminToken,
      body: targetJson(uniqueName("off-rest")),
    });
    assertRestError(rest, 400, Code.FailedPrecondition);
  });

  it("still answers the three name lists while off", async () => {
    const client = connect(viewer);
    for (const rpc of nameLists) {
      const method =
        rpc.charAt(0).toLowerCase() + rpc.slice(1) as
          "listExecutionFunctions" | "listExecutionMethods" |
          "listExecutionServices";
      const res = await client[method]({});
      const list = Object.values(res).find(Array.isArray) as unknown[];
      assert.ok(list.length > 0, rpc);
    }
    const rest = await http1Request({
      port: server.port,
      host: `${hostA}:${server.port}`,
      method: "GET",
      path: "/v3alpha/executions/services",
      token: viewer,
    });
    assert.equal(rest.status, 200, JSON.stringify(rest.json));
  });

  it("still authenticates first while off", async () => {
    await assertCode(connect("").listTargets({}), Code.Unauthenticated);
  });

  it("works again once on", async () => {
    await setActions(server.dataDir, hostA, true);
    const created = await connect().createTarget(
      targetInit(uniqueName("on-again")),
    );
    assert.match(created.id, /^\d+$/);
    await connect(viewer).listTargets({});
  });
});
