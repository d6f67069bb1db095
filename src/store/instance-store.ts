import type { Db } from "./database.js";
import {
  alreadyExists,
  invalidArgument,
  notFound,
} from "../errors/domain-error.js";

/** An instance: a tenant with its own domains, keys and data. */
export interface Instance {
  readonly id: string;
  readonly name: string;
  /** Lower-case hosts without port; the first is the issuer host. */
  readonly domains: readonly string[];
  /** The feature flag `actions`; on by default. */
  readonly actionsEnabled: boolean;
  readonly createdAt: Date;
}

/** What a new instance needs. */
export interface NewInstance {
  readonly id: string;
  readonly name: string;
  readonly domains: readonly string[];
  readonly createdAt: Date;
  readonly actionsEnabled?: boolean;
}

/** Reads and writes instances and the domains they claim. */
export interface InstanceStore {
  /**
   * Inserts an instance with its domains in order. Throws AlreadyExists
   * when another instance claims one of the domains, InvalidArgument when
   * there is no domain or no name.
   */
  add(instance: NewInstance): Instance;
  /** Every instance, oldest first; the oldest is the default instance. */
  list(): Instance[];
  /** The instance with that id, or undefined. */
  findById(id: string): Instance | undefined;
  /** The instance claiming `domain` (already normalized), or undefined. */
  findByDomain(domain: string): Instance | undefined;
  /** Appends a domain; a domain it already claims is a no-op. */
  addDomain(instanceId: string, domain: string): void;
  /** Turns the feature flag `actions` on or off. NotFound if unknown. */
  setActionsEnabled(instanceId: string, enabled: boolean): void;
}

interface InstanceRow {
  id: string;
  name: string;
  actions_enabled: number;
  created_at: number;
}

/** Creates the instance store on a migrated database. */
export function createInstanceStore(db: Db): InstanceStore {
  const insertInstance = db.prepare(
    "INSERT INTO instances (id, name, actions_enabled, created_at) " +
      "VALUES (?, ?, ?, ?)",
  );
  const insertDomain = db.prepare(
    "INSERT INTO instance_domains (domain, instance_id, position) " +
      "VALUES (?, ?, ?)",
  );
  const selectAll = db.prepare(
    "SELECT id, name, actions_enabled, created_at FROM instances " +
      "ORDER BY created_at, rowid",
  );
  const selectById = db.prepare(
    "SELECT id, name, actions_enabled, created_at FROM instances WHERE id = ?",
  );
  const selectDomains = db
    .prepare(
      "SELECT domain FROM instance_domains WHERE instance_id = ? " +
        "ORDER BY position",
    )
    .pluck();
  const selectOwner = db
    .prepare("SELECT instance_id FROM instance_domains WHERE domain = ?")
    .pluck();
  const selectNextPosition = db
    .prepare(
      "SELECT COALESCE(MAX(position) + 1, 0) FROM instance_domains " +
        "WHERE instance_id = ?",
    )
    .pluck();
  const updateActions = db.prepare(
    "UPDATE instances SET actions_enabled = ? WHERE id = ?",
  );

  const toInstance = (row: InstanceRow): Instance => ({
    id: row.id,
    name: row.name,
    domains: selectDomains.all(row.id) as string[],
    actionsEnabled: row.actions_enabled === 1,
    createdAt: new Date(row.created_at),
  });
  const claim = (instanceId: string, domain: string, position: number) => {
    const owner = selectOwner.get(domain) as string | undefined;
    if (owner !== undefined && owner !== instanceId) {
      throw alreadyExists(
        "INST-4dq9v",
        "Errors.Instance.Domain.AlreadyExists",
        `Domain ${domain} is already claimed by another instance`,
      );
    }
    if (owner === undefined) {
      insertDomain.run(domain, instanceId, position);
    }
  };

  return {
    add: db.transaction((instance: NewInstance): Instance => {
      if (instance.name.trim() === "" || instance.domains.length === 0) {
        throw invalidArgument(
          "INST-8sk2m",
          "Errors.Instance.Invalid",
          "An instance needs a name and at least one domain",
        );
      }
      insertInstance.run(
        instance.id,
        instance.name,
        instance.actionsEnabled === false ? 0 : 1,
        instance.createdAt.getTime(),
      );
      instance.domains.forEach((domain, index) =>
        claim(instance.id, domain, index),
      );
      return toInstance(selectById.get(instance.id) as InstanceRow);
    }),
    list: () => (selectAll.all() as InstanceRow[]).map(toInstance),
    findById: (id) => {
      const row = selectById.get(id) as InstanceRow | undefined;
      return row === undefined ? undefined : toInstance(row);
    },
    findByDomain: (domain) => {
      const owner = selectOwner.get(domain) as string | undefined;
      if (owner === undefined) {
        return undefined;
      }
      return toInstance(selectById.get(owner) as InstanceRow);
    },
    addDomain: db.transaction((instanceId: string, domain: string) => {
      requireInstance(selectById.get(instanceId));
      claim(instanceId, domain, selectNextPosition.get(instanceId) as number);
    }),
    setActionsEnabled: (instanceId, enabled) => {
      const result = updateActions.run(enabled ? 1 : 0, instanceId);
      if (result.changes === 0) {
        requireInstance(undefined);
      }
    },
  };
}

function requireInstance(row: unknown): void {
  if (row === undefined) {
    throw notFound(
      "INST-0pl3x",
      "Errors.Instance.NotFound",
      "Instance not found",
    );
  }
}
