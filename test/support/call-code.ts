import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";

/** The Code a call fails with; fails the test when the call succeeds. */
export async function codeOf(promise: Promise<unknown>): Promise<Code> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error).code;
  }
  assert.fail("expected the call to fail");
}
