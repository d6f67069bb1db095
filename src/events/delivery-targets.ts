import type { RuntimeTarget, TargetType } from "../domain/execution-snapshot.js";
import { timeoutMillis } from "../domain/target.js";
import type { Db } from "../store/database.js";
import { createSecretBox } from "../store/secret-box.js";

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
  const box = createSecretBox(secretKey);
  const find = db.prepare(
    `SELECT id, name, type, interrupt_on_error, timeout_seconds,
       timeout_nanos, endpoint, signing_key
     FROM targets WHERE instance_id = ? AND id = ?`,
  );
  return (instanceId, targetId) => {
    const row = find.get(instanceId, targetId) as
      | {
          id: string;
          name: string;
          type: TargetType;
          interrupt_on_error: number;
          timeout_seconds: number;
          timeout_nanos: number;
          endpoint: string;
          signing_key: Buffer;
        }
      | undefined;
    if (row === undefined) {
      return undefined;
    }
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      interruptOnError: row.interrupt_on_error === 1,
      timeoutMs: timeoutMillis({
        seconds: row.timeout_seconds,
        nanos: row.timeout_nanos,
      }),
      endpoint: row.endpoint,
      signingKey: box.open(row.signing_key),
    };
  };
}
