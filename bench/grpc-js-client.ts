// The real-client check: a @grpc/grpc-js client calling GetTargetByID, so
// the figures are not only those of h2load's idea of gRPC. It runs in the
// runner's process and shares the machine with the server.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  ActionService,
  GetTargetByIDRequestSchema,
  GetTargetByIDResponseSchema,
  type GetTargetByIDRequest,
  type GetTargetByIDResponse,
} from "../gen/zitadel/action/v3alpha/action_service_pb.js";
import { quantile, type LoadResult } from "./load-result.js";

/**
 * Keeps `concurrency` GetTargetByID calls in flight on one grpc-js channel
 * for `seconds`, after `warmupSeconds`; each call has a 10 s deadline.
 */
export async function runGrpcJsClient(options: {
  readonly port: number;
  readonly token: string;
  readonly targetId: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: number;
}): Promise<LoadResult> {
  const client = new grpc.Client(
    `127.0.0.1:${options.port}`,
    grpc.credentials.createInsecure(),
  );
  const path = `/${ActionService.typeName}/GetTargetByID`;
  const request = create(GetTargetByIDRequestSchema, {
    targetId: options.targetId,
  });
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${options.token}`);
  const call = () =>
    new Promise<boolean>((resolve) => {
      client.makeUnaryRequest<GetTargetByIDRequest, GetTargetByIDResponse>(
        path,
        (message) => Buffer.from(toBinary(GetTargetByIDRequestSchema, message)),
        (bytes) => fromBinary(GetTargetByIDResponseSchema, bytes),
        request,
        metadata,
        { deadline: Date.now() + 10_000 },
        (error) => resolve(error === null),
      );
    });
  const run = async (seconds: number, samples: number[] | undefined) => {
    const end = performance.now() + seconds * 1000;
    let failed = 0;
    const worker = async () => {
      while (performance.now() < end) {
        const before = performance.now();
        if (await call()) {
          samples?.push(performance.now() - before);
        } else {
          failed += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return failed;
  };
  try {
    await run(options.warmupSeconds, undefined);
    const samples: number[] = [];
    const started = performance.now();
    const failed = await run(options.seconds, samples);
    const seconds = (performance.now() - started) / 1000;
    samples.sort((a, b) => a - b);
    return {
      calls: samples.length,
      failed,
      seconds,
      p50Ms: quantile(samples, 0.5),
      p99Ms: quantile(samples, 0.99),
    };
  } finally {
    client.close();
  }
}
