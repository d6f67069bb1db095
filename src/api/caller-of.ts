import type { HandlerContext } from "@connectrpc/connect";
import { callerKey, type Caller } from "../auth/caller.js";
import { actionErrors } from "../domain/action-errors.js";

/**
 * The verified caller of a call, as the auth interceptor left it in the
 * context values. Every handler scopes its reads and writes by the
 * caller's instance; without a caller (a router wired without auth) it
 * throws Unauthenticated ACTION-z5n1dw6qhg instead of touching any data.
 */
export function callerOf(context: HandlerContext): Caller {
  const caller = context.values.get(callerKey);
  if (caller === undefined) {
    throw actionErrors.noCaller();
  }
  return caller;
}
