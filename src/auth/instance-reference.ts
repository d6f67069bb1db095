import type { Instance, InstanceStore } from "../store/instance-store.js";
import { normalizeHost } from "./request-host.js";

/**
 * Finds the instance a command line names by id or by one of its domains;
 * without a reference, the default instance (the oldest). Answers
 * undefined when nothing matches.
 */
export function findInstance(
  store: InstanceStore,
  reference: string | undefined,
): Instance | undefined {
  if (reference === undefined || reference === "") {
    return store.list()[0];
  }
  return (
    store.findById(reference) ??
    store.findByDomain(normalizeHost(reference))
  );
}
