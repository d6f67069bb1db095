import type { ServiceImpl } from "@connectrpc/connect";
import { ActionService } from "../../gen/zitadel/action/v3alpha/action_service_pb.js";
import type { Db } from "../store/database.js";
import type { IdGenerator } from "../domain/id-generator.js";

/** What the Action Service needs. */
export interface ActionServiceOptions {
  readonly db: Db;
  readonly clock: () => Date;
  readonly ids: IdGenerator;
  /** The configured function names, for function conditions. */
  readonly functions: readonly string[];
  /** Every method the router serves, as "/pkg.Svc/Method". */
  readonly servedMethods: () => readonly string[];
  /** Seals target signing keys at rest; 32 bytes for AES-256-GCM. */
  readonly secretKey: Uint8Array;
  /**
   * Refuses target endpoints on the deny list: answers a reason, or
   * undefined when the endpoint is allowed. Default: allow all.
   */
  readonly checkEndpoint?: (endpoint: URL) => string | undefined;
  /**
   * Called inside the transaction of every command that changes targets or
   * executions of an instance, so in-memory indexes never lag.
   */
  readonly onChange?: (instanceId: string) => void;
}

/** Placeholder; the implementation replaces this file. */
export function createActionService(
  _options: ActionServiceOptions,
): Partial<ServiceImpl<typeof ActionService>> {
  return {};
}
