import type { RuntimeTarget } from "../../src/domain/execution-snapshot.js";
import { generateSigningKey } from "../../src/domain/signing-key.js";

let counter = 0;

/** A runtime target for tests: a webhook with a 2 s timeout by default. */
export function runtimeTarget(
  endpoint: string,
  fields: Partial<RuntimeTarget> = {},
): RuntimeTarget {
  counter += 1;
  return {
    id: `t${counter}`,
    name: `target-${counter}`,
    type: "webhook",
    interruptOnError: false,
    timeoutMs: 2000,
    endpoint,
    signingKey: generateSigningKey(),
    ...fields,
  };
}
