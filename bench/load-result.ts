// The figures every load generator answers, and the percentile helper.

/** What one measured run of a case produced. */
export interface LoadResult {
  /** Successful calls in the measured window. */
  readonly calls: number;
  /** Calls that failed (transport errors or non-2xx statuses). */
  readonly failed: number;
  /** Length of the measured window. */
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The q-quantile (0..1) of `sorted`, ascending; NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const at = Math.min(sorted.length - 1, Math.floor(q * sorted.length));
  return sorted[at]!;
}
