const unitMs: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The lifetime of the admin token written at first start: ten years. */
export const adminTokenLifetimeMs = 3650 * unitMs.d!;

/**
 * Parses a lifetime such as "90s", "30m", "1h", "7d" or "1h30m" into
 * milliseconds. Throws a TypeError for anything else or for zero.
 */
export function parseLifetime(text: string): number {
  const parts = text.trim().match(/\d+[smhd]/g);
  if (parts === null || parts.join("") !== text.trim()) {
    throw new TypeError(
      `invalid duration "${text}" (use e.g. 90s, 30m, 1h, 7d)`,
    );
  }
  const total = parts.reduce(
    (sum, part) => sum + Number(part.slice(0, -1)) * unitMs[part.slice(-1)]!,
    0,
  );
  if (total <= 0) {
    throw new TypeError(`invalid duration "${text}" (must be above zero)`);
  }
  return total;
}
