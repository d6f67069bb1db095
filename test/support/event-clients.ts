import { createClient, type Client } from "@connectrpc/connect";
import {
  DeliveryService,
  DeliveryStatus,
  type Delivery,
} from "../../gen/actionsd/delivery/v1/delivery_service_pb.js";
import { RuntimeService } from "../../gen/actionsd/runtime/v1/runtime_service_pb.js";
import {
  createTransport,
  type ServerAddress,
  type TransportKind,
} from "./clients.js";

/** A DeliveryService client to a test server, with the admin token. */
export function createDeliveryClient(
  server: ServerAddress,
  kind: TransportKind = "connect-json-1.1",
): Client<typeof DeliveryService> {
  return createClient(DeliveryService, createTransport(server, kind));
}

/** A RuntimeService client (PushEvents) to a test server, as admin. */
export function createRuntimeClient(
  server: ServerAddress,
  kind: TransportKind = "connect-json-1.1",
): Client<typeof RuntimeService> {
  return createClient(RuntimeService, createTransport(server, kind));
}

/** The delivery id a `webhook-id` header names ("msg_" and the id). */
export function deliveryIdOf(webhookId: string | string[] | undefined): string {
  if (typeof webhookId !== "string" || !webhookId.startsWith("msg_")) {
    throw new Error(`not a delivery webhook-id: ${String(webhookId)}`);
  }
  return webhookId.slice("msg_".length);
}

/**
 * Polls GetDelivery every 50 ms until the delivery has `status`, and
 * answers it with its attempts. The worker records an attempt after the
 * receiver saw it and nothing announces that, hence the polling. Rejects
 * after `timeoutMs` (default 10000) with the last status seen.
 */
export async function waitForDeliveryStatus(
  client: Client<typeof DeliveryService>,
  deliveryId: string,
  status: DeliveryStatus,
  timeoutMs = 10_000,
): Promise<Delivery> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { delivery } = await client.getDelivery({ deliveryId });
    if (delivery?.status === status) {
      return delivery;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `delivery ${deliveryId} is ${DeliveryStatus[delivery?.status ?? 0]}, ` +
          `not ${DeliveryStatus[status]}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Polls ListDeliveries every 100 ms until `count` deliveries have
 * `status`; rejects after `timeoutMs` (default 15000) with the last count.
 */
export async function waitForStatusCount(
  client: Client<typeof DeliveryService>,
  status: DeliveryStatus,
  count: number,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const total = await countWithStatus(client, status);
    if (total === count) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${total} deliveries are ${DeliveryStatus[status]}, not ${count}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How many deliveries of the instance have `status` (ListDeliveries). */
export async function countWithStatus(
  client: Client<typeof DeliveryService>,
  status: DeliveryStatus,
): Promise<number> {
  const answer = await client.listDeliveries({
    query: { limit: 1 },
    queries: [{ query: { case: "statusQuery", value: { status } } }],
  });
  return Number(answer.details?.totalResult ?? 0n);
}
