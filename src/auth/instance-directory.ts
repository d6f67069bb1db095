import { createLocalJWKSet, type JWK } from "jose";
import type { Db } from "../store/database.js";
import {
  createExternalChanges,
  type ExternalChanges,
} from "../store/external-changes.js";
import { createInstanceStore, type Instance } from "../store/instance-store.js";
import { createIssuerStore } from "../store/issuer-store.js";
import { createKeyStore } from "../store/key-store.js";
import { localIssuerUrls } from "./request-host.js";
import type { InstanceTrust } from "./token-verifier.js";

/** An instance with everything needed to authenticate its callers. */
export interface InstanceEntry {
  readonly instance: Instance;
  readonly trust: InstanceTrust;
}

/**
 * An in-memory view of instances, their domains, public keys and trusted
 * issuers, so the hot path does not query SQLite per call.
 */
export interface InstanceDirectory {
  /** The instance claiming the normalized host, or undefined. */
  findByHost(host: string): InstanceEntry | undefined;
  /**
   * A number that changes whenever what tokens verify against changes
   * (keys, issuers, domains), so caches of verified tokens can drop. It is
   * as of the last `findByHost`, which is the look that reloads.
   */
  trustGeneration(): number;
  /** Forgets the view; the next look reloads. For changes of this process. */
  invalidate(): void;
}

/**
 * Creates the directory. It reloads when another connection (the CLI) has
 * committed since the last load, checked with SQLite's `data_version`, or
 * after `invalidate()`. `changes` tells of such commits; by default it reads
 * `data_version` on every look.
 */
export function createInstanceDirectory(
  db: Db,
  changes: ExternalChanges = createExternalChanges(db),
): InstanceDirectory {
  const instances = createInstanceStore(db);
  const keys = createKeyStore(db);
  const issuers = createIssuerStore(db);
  let loadedVersion: number | undefined;
  let byDomain = new Map<string, InstanceEntry>();
  let fingerprint = "";
  let generation = 0;

  const load = () => {
    const version = changes.version();
    if (version === loadedVersion) {
      return;
    }
    const allKeys = keys.listAll();
    const allIssuers = issuers.listAll();
    const next = new Map<string, InstanceEntry>();
    for (const instance of instances.list()) {
      const publicKeys = allKeys
        .filter((key) => key.instanceId === instance.id)
        .map((key) => ({ ...(JSON.parse(key.publicJwk) as JWK), use: "sig" }));
      const trust: InstanceTrust = {
        instanceId: instance.id,
        issuerUrls: localIssuerUrls(instance.domains[0] ?? ""),
        localKeys: createLocalJWKSet({ keys: publicKeys }),
        issuers: allIssuers.filter(
          (issuer) => issuer.instanceId === instance.id,
        ),
      };
      const entry = { instance, trust };
      for (const domain of instance.domains) {
        next.set(domain, entry);
      }
    }
    const nextFingerprint = JSON.stringify([
      [...next.keys()],
      allKeys.map((key) => key.kid),
      allIssuers,
    ]);
    if (nextFingerprint !== fingerprint) {
      fingerprint = nextFingerprint;
      generation += 1;
    }
    byDomain = next;
    loadedVersion = version;
  };

  return {
    findByHost: (host) => {
      load();
      return byDomain.get(host);
    },
    trustGeneration: () => generation,
    invalidate: () => {
      loadedVersion = undefined;
    },
  };
}
