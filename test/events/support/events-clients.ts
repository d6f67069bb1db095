import {
  createClient,
  createRouterTransport,
  type Client,
  type Interceptor,
} from "@connectrpc/connect";
import { DeliveryService } from "../../../gen/actionsd/delivery/v1/delivery_service_pb.js";
import { RuntimeService } from "../../../gen/actionsd/runtime/v1/runtime_service_pb.js";
import { createDeliveryService } from "../../../src/api/delivery-service.js";
import { createRuntimeService } from "../../../src/api/runtime-service.js";
import { callerKey, type Caller } from "../../../src/auth/caller.js";
import { errorInterceptor } from "../../../src/errors/error-interceptor.js";
import { scope, type EventsFixture } from "./events-fixture.js";

/** The caller of every in-memory call: the fixture's instance and user. */
export const testCaller: Caller = {
  instanceId: scope.instanceId,
  userId: scope.creator,
  orgId: "org1",
  projectId: "",
  roles: ["IAM_OWNER"],
  permissions: new Set(),
};

/**
 * In-memory clients of the Runtime Service (with PushEvents) and the
 * Delivery Service over the fixture, behind the error interceptor.
 */
export function createEventsClients(fixture: EventsFixture): {
  runtime: Client<typeof RuntimeService>;
  deliveries: Client<typeof DeliveryService>;
} {
  const authenticate: Interceptor = (next) => (req) => {
    req.contextValues.set(callerKey, testCaller);
    return next(req);
  };
  const transport = createRouterTransport(
    (router) => {
      router.service(
        RuntimeService,
        createRuntimeService({
          functions: [],
          index: fixture.index,
          caller: fixture.caller,
          events: fixture.pusher,
        }),
      );
      router.service(
        DeliveryService,
        createDeliveryService({
          db: fixture.db,
          wake: () => fixture.worker.wake(),
        }),
      );
    },
    { router: { interceptors: [errorInterceptor, authenticate] } },
  );
  return {
    runtime: createClient(RuntimeService, transport),
    deliveries: createClient(DeliveryService, transport),
  };
}
