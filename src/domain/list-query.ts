import { actionErrors } from "./action-errors.js";
import type { ConditionType } from "./condition.js";

/** Which slice of a list to answer. */
export interface ListPage {
  readonly offset: number;
  readonly limit: number;
  /** Ascending order; lists are descending by default. */
  readonly asc: boolean;
}

/** How a target name query compares. */
export type TextMethod =
  | "equals"
  | "equalsIgnoreCase"
  | "startsWith"
  | "startsWithIgnoreCase"
  | "contains"
  | "containsIgnoreCase"
  | "endsWith"
  | "endsWithIgnoreCase";

/** What ListTargets can sort by. */
export type TargetSortField =
  | "id"
  | "createdAt"
  | "changedAt"
  | "name"
  | "type"
  | "endpoint"
  | "timeout"
  | "interruptOnError";

/** One filter of ListTargets; filters are ANDed. */
export type TargetFilter =
  | { readonly name: string; readonly method: TextMethod }
  | { readonly ids: readonly string[] };

/** One filter of ListExecutions; filters are ANDed. */
export type ExecutionFilter =
  | { readonly ids: readonly string[] }
  | { readonly type: ConditionType }
  | { readonly targetId: string }
  | { readonly includeId: string };

/** The page size when a request gives none. */
export const defaultListLimit = 100;
/** The largest page a request may ask for. */
export const maxListLimit = 1000;

/**
 * Checks a request's paging: `limit` 0 means 100, more than 1000 is
 * InvalidArgument (ACTION-u4b8ty1pqo). An offset beyond what SQLite can
 * count is clamped, which answers an empty page as any large offset does.
 */
export function validatePage(
  offset: bigint,
  limit: number,
  asc: boolean,
): ListPage {
  if (limit > maxListLimit) {
    throw actionErrors.limitTooHigh();
  }
  const safeOffset =
    offset > BigInt(Number.MAX_SAFE_INTEGER)
      ? Number.MAX_SAFE_INTEGER
      : Number(offset);
  return {
    offset: safeOffset,
    limit: limit === 0 ? defaultListLimit : limit,
    asc,
  };
}
