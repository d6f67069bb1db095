import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import {
  grpcCredentials,
  grpcUnary,
  loadGrpcPackage,
  type GrpcPackage,
} from "../support/clients.js";
import { startServer, type TestServer } from "../support/start-server.js";

const service = "zitadel.action.v3alpha.ActionService";

// Health and reflection need no token, so these calls send none.
const noToken = () => new grpc.Metadata();

function reflect(
  client: grpc.Client,
  requests: object[],
): Promise<Record<string, any>[]> {
  return new Promise((resolve, reject) => {
    const call = (client as any).serverReflectionInfo(noToken(), {
      deadline: Date.now() + 10_000,
    }) as grpc.ClientDuplexStream<object, Record<string, any>>;
    const answers: Record<string, any>[] = [];
    call.on("data", (answer) => {
      answers.push(answer);
      if (answers.length === requests.length) {
        call.end();
      }
    });
    call.on("error", reject);
    call.on("end", () => resolve(answers));
    for (const request of requests) {
      call.write(request);
    }
  });
}

describe("health and reflection", { timeout: 60_000 }, () => {
  let server: TestServer;
  let pkg: GrpcPackage;
  let health: grpc.Client;
  before(async () => {
    server = await startServer();
    pkg = loadGrpcPackage();
    health = new pkg.grpc.health.v1.Health(
      `127.0.0.1:${server.port}`,
      grpcCredentials(),
    );
  });
  after(async () => {
    health.close();
    await server.stop();
  });

  for (const name of ["", service]) {
    it(`checks "${name}" as SERVING without a token`, async () => {
      const res = await grpcUnary<{ status: string }>(
        health, "check", { service: name }, noToken());
      assert.equal(res.status, "SERVING");
    });
  }

  it("answers NOT_FOUND for an unknown service", async () => {
    await assert.rejects(
      grpcUnary(health, "check", { service: "no.Such" }, noToken()),
      (error: grpc.ServiceError) => error.code === grpc.status.NOT_FOUND,
    );
  });

  for (const version of ["v1", "v1alpha"]) {
    it(`lists services and files with reflection ${version}`, async () => {
      const Reflection = pkg.grpc.reflection[version].ServerReflection;
      const client: grpc.Client = new Reflection(
        `127.0.0.1:${server.port}`,
        grpcCredentials(),
      );
      try {
        const [list, file, missing] = await reflect(client, [
          { listServices: "" },
          { fileContainingSymbol: `${service}.CreateTarget` },
          { fileByFilename: "no/such.proto" },
        ]);
        const names = list!.listServicesResponse.service.map(
          (s: { name: string }) => s.name,
        );
        assert.ok(names.includes(service));
        assert.ok(names.includes("grpc.health.v1.Health"));
        const files = file!.fileDescriptorResponse.fileDescriptorProto.map(
          (bytes: Buffer) =>
            fromBinary(FileDescriptorProtoSchema, new Uint8Array(bytes)).name,
        );
        assert.equal(files[0], "zitadel/action/v3alpha/action_service.proto");
        assert.ok(files.includes("zitadel/action/v3alpha/target.proto"));
        assert.ok(files.includes("google/protobuf/duration.proto"));
        assert.equal(
          missing!.errorResponse.errorCode,
          grpc.status.NOT_FOUND,
        );
      } finally {
        client.close();
      }
    });
  }

  it("streams Watch and ends it on shutdown", async () => {
    const own = await startServer();
    const client: grpc.Client = new pkg.grpc.health.v1.Health(
      `127.0.0.1:${own.port}`,
      grpcCredentials(),
    );
    try {
      const call = (client as any).watch(
        { service: "" },
        noToken(),
      ) as grpc.ClientReadableStream<{ status: string }>;
      const statuses: string[] = [];
      call.on("data", (m) => statuses.push(m.status));
      const ended = new Promise<void>((resolve) => {
        call.on("end", resolve);
        call.on("error", () => resolve());
      });
      const [first] = (await once(call, "data")) as [{ status: string }];
      assert.equal(first.status, "SERVING");
      assert.equal(await own.stop(), 0);
      await ended;
      assert.deepEqual(statuses, ["SERVING", "NOT_SERVING"]);
    } finally {
      client.close();
      await own.kill();
    }
  });
});
