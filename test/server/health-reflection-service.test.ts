import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
} from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionAlpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import { createHealthService } from "../../src/server/health-service.js";
import { createReflectionServices } from "../../src/server/reflection-service.js";

const actionService = "zitadel.action.v3alpha.ActionService";

describe("createHealthService()", () => {
  it("answers SERVING, then NOT_SERVING after shutdown", async () => {
    const health = createHealthService({ services: [actionService] });
    const client = createClient(
      Health,
      createRouterTransport((r) => r.service(Health, health.impl)),
    );
    assert.equal((await client.check({ service: "" })).status, Status.SERVING);
    await assert.rejects(client.check({ service: "x.Y" }), (e: unknown) =>
      ConnectError.from(e).code === Code.NotFound);
    const watch = client.watch({ service: actionService });
    const seen: Status[] = [];
    for await (const res of watch) {
      seen.push(res.status);
      if (seen.length === 1) {
        health.shutdown();
      }
    }
    // The stream ends; the e2e test checks the NOT_SERVING message over a
    // real connection, where the in-memory transport's buffering is absent.
    assert.equal(seen[0], Status.SERVING);
    assert.equal(
      (await client.check({ service: "" })).status,
      Status.NOT_SERVING,
    );
  });
});

describe("createReflectionServices()", () => {
  const services = createReflectionServices([ActionService, Health]);
  const transport = createRouterTransport((r) => {
    r.service(ServerReflection, services.v1);
    r.service(ServerReflectionAlpha, services.v1alpha);
  });

  async function ask(
    request: Parameters<
      ReturnType<typeof createClient<typeof ServerReflection>>["serverReflectionInfo"]
    >[0] extends AsyncIterable<infer R> ? R : never,
  ) {
    const client = createClient(ServerReflection, transport);
    async function* one() {
      yield request;
    }
    for await (const res of client.serverReflectionInfo(one())) {
      return res.messageResponse;
    }
    throw new Error("no answer");
  }

  const fileNames = (answer: Awaited<ReturnType<typeof ask>>) => {
    assert.equal(answer.case, "fileDescriptorResponse");
    return answer.value.fileDescriptorProto.map(
      (bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name,
    );
  };

  it("lists the services", async () => {
    const answer = await ask({
      messageRequest: { case: "listServices", value: "" },
    });
    assert.equal(answer.case, "listServicesResponse");
    assert.deepEqual(
      answer.value.service.map((s) => s.name),
      ["grpc.health.v1.Health", actionService],
    );
  });

  const symbols: [string, string][] = [
    [actionService, "zitadel/action/v3alpha/action_service.proto"],
    [
      `${actionService}.SetExecution`,
      "zitadel/action/v3alpha/action_service.proto",
    ],
    [
      "zitadel.action.v3alpha.CreateTargetRequest",
      "zitadel/action/v3alpha/action_service.proto",
    ],
    ["zitadel.object.v2.TextQueryMethod", "zitadel/object/v2/object.proto"],
    ["google.protobuf.Duration", "google/protobuf/duration.proto"],
  ];
  for (const [symbol, file] of symbols) {
    it(`finds the file of ${symbol} with its dependencies`, async () => {
      const names = fileNames(
        await ask({
          messageRequest: { case: "fileContainingSymbol", value: symbol },
        }),
      );
      assert.equal(names[0], file);
      assert.equal(new Set(names).size, names.length);
    });
  }

  it("finds a file by name, itself first", async () => {
    const names = fileNames(
      await ask({
        messageRequest: {
          case: "fileByFilename",
          value: "zitadel/action/v3alpha/action_service.proto",
        },
      }),
    );
    assert.equal(names[0], "zitadel/action/v3alpha/action_service.proto");
    assert.ok(names.includes("google/protobuf/descriptor.proto"));
  });

  it("finds the zitadel method option extension", async () => {
    const names = fileNames(
      await ask({
        messageRequest: {
          case: "fileContainingExtension",
          value: {
            containingType: "google.protobuf.MethodOptions",
            extensionNumber: 50001,
          },
        },
      }),
    );
    assert.equal(names[0], "zitadel/protoc_gen_zitadel/v2/options.proto");
    const numbers = await ask({
      messageRequest: {
        case: "allExtensionNumbersOfType",
        value: "google.protobuf.MethodOptions",
      },
    });
    assert.equal(numbers.case, "allExtensionNumbersResponse");
    assert.ok(numbers.value.extensionNumber.includes(50001));
  });

  it("answers NOT_FOUND for unknown names", async () => {
    const answer = await ask({
      messageRequest: { case: "fileContainingSymbol", value: "no.Such" },
    });
    assert.equal(answer.case, "errorResponse");
    assert.equal(answer.value.errorCode, Code.NotFound);
  });

  it("answers v1alpha the same way", async () => {
    const client = createClient(ServerReflectionAlpha, transport);
    async function* one() {
      yield {
        messageRequest: { case: "listServices" as const, value: "" },
      };
    }
    for await (const res of client.serverReflectionInfo(one())) {
      assert.equal(res.messageResponse.case, "listServicesResponse");
    }
  });
});
