/**
 * What the execution runtime needs to know of one instance, kept in memory
 * so that calls do not query SQLite to find their targets. A Map is one;
 * the store's lazy snapshot is another, which reads each id once.
 */
export interface ExecutionSnapshot {
  /** Execution id ("request/pkg.Svc/M", "event/user.*") to its entries. */
  readonly executions: SnapshotLookup<readonly ExecutionEntry[]>;
  /** Target id to what is needed to call it. */
  readonly targets: SnapshotLookup<RuntimeTarget>;
}

/** The part of a ReadonlyMap the runtime uses. */
export interface SnapshotLookup<T> {
  has(id: string): boolean;
  get(id: string): T | undefined;
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
