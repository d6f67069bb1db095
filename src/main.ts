import { readFileSync } from "node:fs";
import type { DescService } from "@bufbuild/protobuf";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { ActionService } from "../gen/zitadel/action/v3alpha/action_service_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionAlpha } from "../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { DeliveryService } from "../gen/actionsd/delivery/v1/delivery_service_pb.js";
import { RuntimeService } from "../gen/actionsd/runtime/v1/runtime_service_pb.js";
import { createActionService } from "./api/action-service.js";
import { createDeliveryService } from "./api/delivery-service.js";
import { createRuntimeService } from "./api/runtime-service.js";
import { createAuthInterceptor } from "./auth/auth-interceptor.js";
import { ensureDefaultInstance } from "./auth/bootstrap.js";
import { createInstanceDirectory } from "./auth/instance-directory.js";
import { ConfigError, type ServeConfig } from "./config.js";
import { createIdGenerator } from "./domain/id-generator.js";
import { errorInterceptor } from "./errors/error-interceptor.js";
import { createDeliveryWorker } from "./events/delivery-worker.js";
import { createEventPusher } from "./events/event-pusher.js";
import { createOutbox } from "./events/outbox.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { createRefusalLog } from "./logging/refusal-log.js";
import { createRequestLogInterceptor } from "./logging/request-log-interceptor.js";
import { withCors } from "./server/cors.js";
import { createExternalChangesInterceptor } from "./server/external-changes-interceptor.js";
import { createHealthService } from "./server/health-service.js";
import {
  createListener,
  type Listener,
  type RequestHandler,
} from "./server/listener.js";
import { createReflectionServices } from "./server/reflection-service.js";
import { createRpcHandler } from "./server/rpc-handler.js";
import { createRestHandler } from "./rest/rest-handler.js";
import { createDenyList } from "./runtime/deny-list.js";
import { createExecutionIndex } from "./runtime/execution-index.js";
import { createExecutionInterceptor } from "./runtime/execution-interceptor.js";
import { createTargetCaller } from "./runtime/target-caller.js";
import { loadSecretKeyFor } from "./store/secret-key.js";
import { openDatabase } from "./store/database.js";
import { ensureDataDirectory } from "./store/data-directory.js";
import { openExecutionSnapshot } from "./store/execution-snapshot-loader.js";
import { createExternalChangesPerCall } from "./store/external-changes.js";

/** What the wiring takes from outside, so tests can swap it. */
export interface StartOptions {
  /** Default: a pino logger at the configured level, to stdout. */
  readonly logger?: Logger;
  /** Default: the system clock. */
  readonly clock?: () => Date;
}

/** A started server. */
export interface RunningServer {
  readonly host: string;
  /** The bound port (the real one when the config says 0). */
  readonly port: number;
  readonly tls: boolean;
  readonly logger: Logger;
  /** Every "/pkg.Svc/Method" of the API services, sorted. */
  servedMethods(): readonly string[];
  /** The router's handlers, interceptors applied. */
  readonly handlers: readonly UniversalHandler[];
  /**
   * Stops: refuses new connections, ends health watches, lets calls in
   * flight finish for up to 10 s, closes the database. Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * The services of the API: their methods are the "served methods" that
 * request and response conditions may name, and they report to health.
 */
const apiServices: readonly DescService[] = [
  ActionService,
  RuntimeService,
  DeliveryService,
];

/**
 * Wires and starts the server: data directory, database, secret key, the
 * default instance and its admin token, the Action and Runtime services,
 * health and reflection, the interceptor chain [logging, errors, external
 * changes, auth, executions], REST for every path no RPC serves, CORS,
 * the one-port listener and the event delivery worker. Logs {msg:"listening", host,
 * port, tls}. Throws ConfigError for unreadable or invalid TLS files; other
 * start failures (port in use) as they are.
 */
export async function startServer(
  config: ServeConfig,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? (() => new Date());
  const tls = readTls(config);
  const paths = ensureDataDirectory(config.dataDir);
  const db = openDatabase({ path: paths.database });
  try {
    const secretKey = loadSecretKeyFor(db, paths.secretKey);
    const ids = createIdGenerator();
    // The admin token must be on disk before the "listening" line, since
    // whoever waits for that line may read the token next.
    await ensureDefaultInstance({
      db,
      dataDir: config.dataDir,
      secretKey,
      domains: config.domains,
      clock,
      ids,
      logger,
    });
    const methods = Object.freeze(
      apiServices
        .flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`))
        .sort(),
    );
    const servedMethods = () => methods;

    // An empty list in the configuration means "the default entries".
    const denyList = createDenyList({
      entries: config.denyTargets.length > 0 ? config.denyTargets : undefined,
    });
    const targetCaller = createTargetCaller({ denyList, logger });
    // What the CLI commits while the server runs shows on the next call:
    // each call looks once, and both caches answer from that look.
    const externalChanges = createExternalChangesPerCall(db);
    const directory = createInstanceDirectory(db, externalChanges);
    const executions = createExecutionIndex({
      load: (instanceId) => openExecutionSnapshot(db, secretKey, instanceId),
      externalChanges,
    });
    // Event deliveries: the outbox rows are written inside the transaction
    // of the event that causes them; the worker sends them off the request
    // path, with retries.
    const worker = createDeliveryWorker({
      db,
      secretKey,
      caller: targetCaller,
      logger,
      schedule: config.retrySchedule,
      maxConcurrency: config.deliveryConcurrency,
      retentionMs: config.deliveryRetentionMs,
    });
    const outbox = createOutbox({
      db,
      resolveEvent: executions.resolveEvent,
      onEnqueue: () => worker.wake(),
    });
    const actionService = createActionService({
      db,
      clock,
      ids,
      functions: config.functions,
      servedMethods,
      secretKey,
      checkEndpoint: denyList.checkEndpoint,
      onChange: executions.onChange,
      onAppend: outbox.onAppend,
    });
    const runtimeService = createRuntimeService({
      functions: config.functions,
      index: executions,
      caller: targetCaller,
      logger,
      events: createEventPusher({ db, clock, onAppend: outbox.onAppend }),
    });
    const deliveryService = createDeliveryService({
      db,
      clock,
      wake: () => worker.wake(),
    });
    const health = createHealthService({
      services: apiServices.map((s) => s.typeName),
    });
    const reflection = createReflectionServices([
      ...apiServices,
      Health,
      ServerReflection,
      ServerReflectionAlpha,
    ]);
    const rpc = createRpcHandler({
      routes: (router) => {
        router.service(ActionService, actionService);
        router.service(RuntimeService, runtimeService);
        router.service(DeliveryService, deliveryService);
        router.service(Health, health.impl);
        router.service(ServerReflection, reflection.v1);
        router.service(ServerReflectionAlpha, reflection.v1alpha);
      },
      // Outermost first: every call is logged, every error is mapped, and
      // executions only ever see authenticated callers.
      interceptors: [
        createRequestLogInterceptor({ logger }),
        errorInterceptor,
        createExternalChangesInterceptor(externalChanges),
        createAuthInterceptor({ db, clock, logger, directory }),
        createExecutionInterceptor({
          index: executions,
          caller: targetCaller,
          logger,
        }),
      ],
      readMaxBytes: config.readMaxBytes,
      markRequest: createRefusalLog(logger),
      fallback: (api) =>
        createRestHandler({
          handlers: api.handlers,
          contextValues: api.contextValues,
          readMaxBytes: config.readMaxBytes,
        }),
    });
    const listener = createTlsCheckedListener(
      withCors(rpc.handler, { origins: config.corsOrigins }),
      tls,
    );
    const port = await listener.listen(config.host, config.port);
    // Deliveries left pending by an earlier process resume now.
    worker.start();
    logger.info(
      { host: config.host, port, tls: tls !== undefined },
      "listening",
    );
    let closing: Promise<void> | undefined;
    return {
      host: config.host,
      port,
      tls: tls !== undefined,
      logger,
      servedMethods,
      handlers: rpc.handlers,
      close() {
        closing ??= (async () => {
          health.shutdown();
          const inFlight = listener.inFlight;
          await listener.close(10_000);
          await worker.stop();
          // Async targets may still be sending; they get to finish.
          await targetCaller.drain();
          await targetCaller.close();
          db.close();
          logger.info({ in_flight_at_stop: inFlight }, "stopped");
        })();
        return closing;
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}

// A certificate or key that does not parse is a configuration error, so it
// gets the one-line treatment instead of a stack.
function createTlsCheckedListener(
  handler: RequestHandler,
  tls: { cert: Buffer; key: Buffer } | undefined,
): Listener {
  try {
    return createListener({ handler, tls });
  } catch (error) {
    throw new ConfigError(
      `invalid tls-cert or tls-key: ${(error as Error).message}`,
    );
  }
}

function readTls(
  config: ServeConfig,
): { cert: Buffer; key: Buffer } | undefined {
  if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) {
    return undefined;
  }
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(
        `cannot read ${what} ${path}: ${(error as Error).message}`,
      );
    }
  };
  return {
    cert: read(config.tlsCertFile, "tls-cert"),
    key: read(config.tlsKeyFile, "tls-key"),
  };
}
