import { readFileSync } from "node:fs";
import type { DescService } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { ActionService } from "../gen/zitadel/action/v3alpha/action_service_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionAlpha } from "../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createActionService } from "./api/action-service.js";
import { callerKey } from "./auth/caller.js";
import { ConfigError, type ServeConfig } from "./config.js";
import { createIdGenerator } from "./domain/id-generator.js";
import { errorInterceptor } from "./errors/error-interceptor.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { createRequestLogInterceptor } from "./logging/request-log-interceptor.js";
import { withCors } from "./server/cors.js";
import { createHealthService } from "./server/health-service.js";
import {
  createListener,
  type Listener,
  type RequestHandler,
} from "./server/listener.js";
import { createReflectionServices } from "./server/reflection-service.js";
import {
  createRpcHandler,
  type NodeHandlerFn,
  type RpcApi,
} from "./server/rpc-handler.js";
import { loadSecretKey } from "./server/secret-key.js";
import { openDatabase } from "./store/database.js";
import { ensureDataDirectory } from "./store/data-directory.js";

/** The parts the wiring takes from outside, mainly for later layers. */
export interface StartOptions {
  /**
   * Interceptors after logging and errors, outermost first (auth, then the
   * execution runtime). Default: the provisional caller interceptor.
   */
  readonly interceptors?: readonly Interceptor[];
  /** Builds the handler for non-RPC paths (the REST layer); default 404. */
  readonly fallback?: (api: RpcApi) => NodeHandlerFn;
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

/** The services of the API; methods of these are "served methods". */
const apiServices: readonly DescService[] = [ActionService];

// PROVISIONAL: stands in for the auth interceptor until it lands. Every
// call runs as an anonymous caller of the default instance with no
// permissions. The lead replaces this with real authentication.
const provisionalCallerInterceptor: Interceptor = (next) => (req) => {
  req.contextValues.set(callerKey, {
    instanceId: "default",
    userId: "anonymous",
    orgId: "",
    projectId: "",
    roles: [],
    permissions: new Set<string>(),
  });
  return next(req);
};

/**
 * Wires and starts the server: data directory, database, secret key, the
 * Action Service, health and reflection, the interceptor chain [logging,
 * errors, ...extra], CORS and the one-port listener. Logs
 * {msg:"listening", host, port, tls}. Throws ConfigError for unreadable or
 * invalid TLS files; other start failures (port in use) as they are.
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
    const secretKey = loadSecretKey(paths.secretKey);
    const methods = Object.freeze(
      apiServices
        .flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`))
        .sort(),
    );
    const servedMethods = () => methods;
    const actionService = createActionService({
      db,
      clock,
      ids: createIdGenerator(),
      functions: config.functions,
      servedMethods,
      secretKey,
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
        router.service(Health, health.impl);
        router.service(ServerReflection, reflection.v1);
        router.service(ServerReflectionAlpha, reflection.v1alpha);
      },
      interceptors: [
        createRequestLogInterceptor({ logger }),
        errorInterceptor,
        ...(options.interceptors ?? [provisionalCallerInterceptor]),
      ],
      readMaxBytes: config.readMaxBytes,
      fallback: options.fallback,
    });
    const listener = createTlsCheckedListener(
      withCors(rpc.handler, { origins: config.corsOrigins }),
      tls,
    );
    const port = await listener.listen(config.host, config.port);
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
