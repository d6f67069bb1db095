import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DomainError } from "../../src/errors/domain-error.js";
import {
  checkIncludeGraph,
  type IncludeGraph,
} from "../../src/domain/include-graph.js";

/** A graph from a list of "A>B" edges (A includes B). */
function graphOf(...edges: string[]): IncludeGraph {
  const pairs = edges.map((edge) => edge.split(">") as [string, string]);
  return {
    includesOf: (id) => pairs.filter(([a]) => a === id).map(([, b]) => b),
    includersOf: (id) => pairs.filter(([, b]) => b === id).map(([a]) => a),
  };
}

function errorId(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof DomainError);
    assert.equal(error.kind, "failedPrecondition");
    return error.id;
  }
}

describe("checkIncludeGraph()", () => {
  const rows: [string, string, string[], IncludeGraph, string | undefined][] = [
    ["no includes", "X", [], graphOf(), undefined],
    ["one level", "X", ["A"], graphOf(), undefined],
    ["X -> A -> B", "X", ["A"], graphOf("A>B"), undefined],
    ["self", "X", ["X"], graphOf(), "COMMAND-mo1cmjp5k7"],
    ["two-step circle", "X", ["A"], graphOf("A>X"), "COMMAND-819opvhgjv"],
    ["three-step circle", "X", ["A"], graphOf("A>B", "B>X"), "COMMAND-819opvhgjv"],
    ["X -> A -> B -> C", "X", ["A"], graphOf("A>B", "B>C"), "COMMAND-gbhd3g57oo"],
    ["Y -> X -> A -> B", "X", ["A"], graphOf("Y>X", "A>B"), "COMMAND-gbhd3g57oo"],
    ["Z -> Y -> X -> A", "X", ["A"], graphOf("Z>Y", "Y>X"), "COMMAND-gbhd3g57oo"],
    ["Y -> X -> A", "X", ["A"], graphOf("Y>X"), undefined],
    ["stored edges of X are ignored", "X", ["A"], graphOf("X>B", "B>C"), undefined],
    ["two includes, one deep", "X", ["A", "B"], graphOf("B>C"), undefined],
  ];
  for (const [name, id, includes, graph, expected] of rows) {
    test(`${name}: ${expected ?? "allowed"}`, () => {
      assert.equal(errorId(() => checkIncludeGraph(id, includes, graph)), expected);
    });
  }
});
