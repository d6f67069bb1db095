/**
 * What the execution runtime needs to know of one instance, loaded from the
 * store in one read and kept in memory, so that calls never query SQLite to
 * find their targets.
 */
export interface ExecutionSnapshot {
  /** Execution id ("request/pkg.Svc/M", "event/user.*") to its entries. */
  readonly executions: ReadonlyMap<string, readonly ExecutionEntry[]>;
  /** Target id to what is needed to call it. */
  readonly targets: ReadonlyMap<string, RuntimeTarget>;
}

/** One entry of an execution's ordered list. */
export type ExecutionEntry =
  | { readonly targetId: string }
  | { readonly includeId: string };

/** How a target is called. */
export type TargetType = "webhook" | "call" | "async";

/** A target as the runtime calls it. */
export interface RuntimeTarget {
  readonly id: string;
  readonly name: string;
  readonly type: TargetType;
  readonly interruptOnError: boolean;
  readonly timeoutMs: number;
  readonly endpoint: string;
  /** The plain signing key (unsealed when the snapshot is loaded). */
  readonly signingKey: string;
}
