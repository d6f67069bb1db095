import type { Interceptor } from "@connectrpc/connect";
import type { ExternalChangesPerCall } from "../store/external-changes.js";

/**
 * Looks for commits of other processes once as each call starts, so the
 * caches the call consults (instances for auth, executions) share one
 * `data_version` read instead of each making its own.
 */
export function createExternalChangesInterceptor(
  changes: ExternalChangesPerCall,
): Interceptor {
  return (next) => (request) => {
    changes.refresh();
    return next(request);
  };
}
