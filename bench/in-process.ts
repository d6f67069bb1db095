// The storage side of the benchmark without any network: seeding the
// executions the list cases read, and each case's handler called directly
// (domain rules, SQLite, response message), which no transport can beat.
import {
  create,
  type DescMessage,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  createContextValues,
  type HandlerContext,
} from "@connectrpc/connect";
import {
  GetTargetByIDRequestSchema,
  ListExecutionMethodsRequestSchema,
  ListExecutionsRequestSchema,
  SetExecutionRequestSchema,
} from "../gen/zitadel/action/v3alpha/action_service_pb.js";
import { createActionService } from "../src/api/action-service.js";
import { callerKey } from "../src/auth/caller.js";
import { defaultFunctions } from "../src/config.js";
import { createIdGenerator } from "../src/domain/id-generator.js";
import { createActionStore } from "../src/store/action-store.js";
import { openDatabase } from "../src/store/database.js";
import { dataPaths } from "../src/store/data-directory.js";
import { createInstanceStore } from "../src/store/instance-store.js";
import { loadSecretKey } from "../src/store/secret-key.js";
import type { BenchMethod } from "./bench-calls.js";
import { quantile, type LoadResult } from "./load-result.js";
import { ActionService } from "../gen/zitadel/action/v3alpha/action_service_pb.js";

/**
 * Adds executions "event/bench.seed.<from..to-1>" listing `targetId` to the
 * default instance, in one transaction, as another process would (the
 * server sees them through SQLite's data_version).
 */
export function seedExecutions(
  dataDir: string,
  targetId: string,
  from: number,
  to: number,
): void {
  const db = openDatabase({ path: dataPaths(dataDir).database });
  try {
    const instanceId = defaultInstanceId(db);
    const store = createActionStore({ db });
    db.transaction(() => {
      for (let i = from; i < to; i++) {
        store.setExecution(
          { instanceId, creator: "bench" },
          { type: "event", scope: "event", value: `bench.seed.${i}` },
          [{ targetId }],
        );
      }
    })();
  } finally {
    db.close();
  }
}

/** The result of an in-process run plus CPU seconds it used. */
export interface InProcessResult extends LoadResult {
  readonly cpuSeconds: number;
  /** The next unused write number. */
  readonly nextNumber: number;
}

/**
 * Calls the Action Service handler of `method` back to back for `seconds`
 * (after `warmupSeconds`) on its own connection to the data directory.
 */
export async function runInProcess(options: {
  readonly dataDir: string;
  readonly method: BenchMethod;
  readonly targetId: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly firstNumber: number;
}): Promise<InProcessResult> {
  const paths = dataPaths(options.dataDir);
  const db = openDatabase({ path: paths.database });
  try {
    const instanceId = defaultInstanceId(db);
    const served = ActionService.methods.map(
      (m) => `/${ActionService.typeName}/${m.name}`,
    );
    const impl = createActionService({
      db,
      clock: () => new Date(),
      ids: createIdGenerator(),
      functions: defaultFunctions,
      servedMethods: () => served,
      secretKey: loadSecretKey(paths.secretKey),
    }) as unknown as Record<
      string,
      (request: unknown, context: HandlerContext) => unknown
    >;
    const handler = impl[lowerFirst(options.method)]!;
    const context = {
      values: createContextValues().set(callerKey, {
        instanceId,
        userId: "bench",
        orgId: "",
        projectId: "",
        roles: [],
        permissions: new Set<string>(),
      }),
    } as HandlerContext;
    let n = options.firstNumber;
    const run = async (seconds: number, samples: number[] | undefined) => {
      const end = performance.now() + seconds * 1000;
      while (performance.now() < end) {
        const request = requestOf(options.method, options.targetId, n++);
        const before = performance.now();
        await handler(request, context);
        samples?.push(performance.now() - before);
      }
    };
    await run(options.warmupSeconds, undefined);
    const samples: number[] = [];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await run(options.seconds, samples);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    samples.sort((a, b) => a - b);
    return {
      calls: samples.length,
      failed: 0,
      seconds,
      p50Ms: quantile(samples, 0.5),
      p99Ms: quantile(samples, 0.99),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      nextNumber: n,
    };
  } finally {
    db.close();
  }
}

function defaultInstanceId(db: ReturnType<typeof openDatabase>): string {
  const instance = createInstanceStore(db).list()[0];
  if (instance === undefined) {
    throw new Error("no instance: the server has not started on this data");
  }
  return instance.id;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function requestOf(
  method: BenchMethod,
  targetId: string,
  n: number,
): MessageShape<DescMessage> {
  switch (method) {
    case "GetTargetByID":
      return create(GetTargetByIDRequestSchema, { targetId });
    case "SetExecution":
      return create(SetExecutionRequestSchema, {
        condition: {
          conditionType: {
            case: "event",
            value: {
              condition: { case: "event", value: `bench.inproc.${n}` },
            },
          },
        },
        targets: [{ type: { case: "target", value: targetId } }],
      });
    case "ListExecutions":
      return create(ListExecutionsRequestSchema, { query: { limit: 100 } });
    case "ListExecutionMethods":
      return create(ListExecutionMethodsRequestSchema);
  }
}
