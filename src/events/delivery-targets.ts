import type { RuntimeTarget } from "../domain/execution-snapshot.js";
import type { Db } from "../store/database.js";
import { findRuntimeTarget } from "../store/execution-snapshot-loader.js";

/** Finds a target as it is now; undefined once it is deleted. */
export type DeliveryTargetLookup = (
  instanceId: string,
  targetId: string,
) => RuntimeTarget | undefined;

/**
 * Creates the worker's target lookup: one indexed read of the target's
 * current endpoint, timeout and sealed key, opened with `secretKey` (32
 * bytes). Reading at send time means a changed endpoint or a rotated key
 * applies to the next attempt. Throws when a key does not open, which
 * means the wrong secret key.
 */
export function createDeliveryTargetLookup(
  db: Db,
  secretKey: Uint8Array,
): DeliveryTargetLookup {
  return (instanceId, targetId) =>
    findRuntimeTarget(db, secretKey, instanceId, targetId);
}
