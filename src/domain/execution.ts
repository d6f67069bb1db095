import type { Condition } from "./condition.js";

/** One entry of an execution's ordered list, as stored and listed. */
export type ExecutionTarget =
  | { readonly targetId: string }
  | {
      /** The execution id the include refers to. */
      readonly includeId: string;
      /** The include as the caller spelled it, for output. */
      readonly include: Condition;
    };

/** A stored execution as reads answer it. */
export interface Execution {
  /** The execution id of API.md section 3. */
  readonly id: string;
  /** The condition as last set. */
  readonly condition: Condition;
  readonly targets: readonly ExecutionTarget[];
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Milliseconds since the epoch of the last change. */
  readonly changedAt: number;
  /** Sequence of the last event of this execution. */
  readonly sequence: number;
}
