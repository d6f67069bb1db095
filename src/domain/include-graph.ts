import { actionErrors } from "./action-errors.js";

/** Read access to the stored include edges of one instance. */
export interface IncludeGraph {
  /** Execution ids that `id` includes directly. */
  includesOf(id: string): readonly string[];
  /** Execution ids that include `id` directly. */
  includersOf(id: string): readonly string[];
}

/**
 * How many include steps a chain may have: X -> A -> B is the deepest
 * allowed, so B must not include anything.
 */
export const maxIncludeLevels = 2;

/**
 * Checks that giving execution `id` the includes `includeIds` keeps the
 * include graph free of circles and no deeper than X -> A -> B, counting
 * chains that reach `id` from above as well as those below it. Throws
 * FailedPrecondition: COMMAND-mo1cmjp5k7 (includes itself),
 * COMMAND-819opvhgjv (a chain leads back to `id`), COMMAND-gbhd3g57oo
 * (too deep). The stored edges of `id` itself are ignored: they are being
 * replaced.
 */
export function checkIncludeGraph(
  id: string,
  includeIds: readonly string[],
  graph: IncludeGraph,
): void {
  if (includeIds.length === 0) {
    return;
  }
  if (includeIds.includes(id)) {
    throw actionErrors.selfInclude();
  }
  let below = 0;
  for (const includeId of includeIds) {
    below = Math.max(below, 1 + depthBelow(includeId, id, graph, 1));
  }
  const above = heightAbove(id, graph, 0);
  if (above + below > maxIncludeLevels) {
    throw actionErrors.maxLevelsInclude();
  }
}

/**
 * The longest include chain below `node`. Reaching `root` means a circle.
 * The walk stops past the allowed depth, which bounds its cost: the stored
 * graph is already circle-free and shallow.
 */
function depthBelow(
  node: string,
  root: string,
  graph: IncludeGraph,
  level: number,
): number {
  if (node === root) {
    throw actionErrors.circularInclude();
  }
  if (level > maxIncludeLevels + 1) {
    return level;
  }
  let depth = 0;
  for (const child of graph.includesOf(node)) {
    depth = Math.max(depth, 1 + depthBelow(child, root, graph, level + 1));
  }
  return depth;
}

/** The longest include chain that reaches `node` from above. */
function heightAbove(node: string, graph: IncludeGraph, level: number): number {
  if (level > maxIncludeLevels + 1) {
    return level;
  }
  let height = 0;
  for (const parent of graph.includersOf(node)) {
    height = Math.max(height, 1 + heightAbove(parent, graph, level + 1));
  }
  return height;
}
