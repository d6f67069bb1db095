import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "../../gen/grpc/health/v1/health_pb.js";

/** Options of `createHealthService`. */
export interface HealthServiceOptions {
  /** Names of the API services; each answers SERVING, as does "". */
  readonly services: readonly string[];
}

/** The grpc.health.v1.Health implementation and its shutdown switch. */
export interface HealthService {
  readonly impl: ServiceImpl<typeof Health>;
  /**
   * Marks every service NOT_SERVING: Check answers so, and each Watch
   * stream sends NOT_SERVING and ends, so that shutdown is not held up.
   */
  shutdown(): void;
}

/**
 * Creates the health service. Check answers SERVING for "" and each API
 * service, NotFound for any other name. Watch sends the status at once
 * (SERVICE_UNKNOWN for an unknown name, without ending, as the protocol
 * asks) and ends on shutdown or when the client goes away. List answers
 * every known name.
 */
export function createHealthService(
  options: HealthServiceOptions,
): HealthService {
  const known = new Set(["", ...options.services]);
  const stopping = new AbortController();
  const statusOf = (service: string): ServingStatus => {
    if (!known.has(service)) {
      return ServingStatus.SERVICE_UNKNOWN;
    }
    return stopping.signal.aborted
      ? ServingStatus.NOT_SERVING
      : ServingStatus.SERVING;
  };
  const answer = (status: ServingStatus): HealthCheckResponse =>
    create(HealthCheckResponseSchema, { status });
  return {
    shutdown: () => stopping.abort(),
    impl: {
      check(req) {
        if (!known.has(req.service)) {
          throw new ConnectError(
            `unknown service "${req.service}"`,
            Code.NotFound,
          );
        }
        return answer(statusOf(req.service));
      },
      list() {
        return create(HealthListResponseSchema, {
          statuses: Object.fromEntries(
            [...known].map((name) => [name, answer(statusOf(name))]),
          ),
        });
      },
      async *watch(req, context) {
        yield answer(statusOf(req.service));
        if (stopping.signal.aborted) {
          return;
        }
        await new Promise<void>((resolve) => {
          const done = () => resolve();
          stopping.signal.addEventListener("abort", done, { once: true });
          context.signal.addEventListener("abort", done, { once: true });
        });
        if (stopping.signal.aborted && known.has(req.service)) {
          yield answer(ServingStatus.NOT_SERVING);
        }
      },
    },
  };
}
