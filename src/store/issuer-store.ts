import type { Db } from "./database.js";

/** An external OpenID Connect issuer an instance trusts. */
export interface TrustedIssuer {
  readonly instanceId: string;
  /** The issuer URL, exactly as tokens carry it in `iss`. */
  readonly issuer: string;
  /** The audience a token of this issuer must carry in `aud`. */
  readonly audience: string;
  /** The claim holding roles as `{ROLE: {orgId: orgDomain}}`. */
  readonly rolesClaim: string;
  /** RFC 7662 endpoint for opaque tokens, when configured. */
  readonly introspectionEndpoint?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly createdAt: Date;
}

/** Reads and writes the trusted issuers of instances. */
export interface IssuerStore {
  /** Inserts or replaces the issuer's settings for the instance. */
  put(issuer: TrustedIssuer): void;
  /** The issuers the instance trusts, oldest first. */
  list(instanceId: string): TrustedIssuer[];
  /** Every trusted issuer of every instance, oldest first. */
  listAll(): TrustedIssuer[];
  /** Removes the issuer from the instance; answers whether it was there. */
  remove(instanceId: string, issuer: string): boolean;
}

interface IssuerRow {
  instance_id: string;
  issuer: string;
  audience: string;
  roles_claim: string;
  introspection_endpoint: string | null;
  client_id: string | null;
  client_secret: string | null;
  created_at: number;
}

const columns =
  "instance_id, issuer, audience, roles_claim, introspection_endpoint, " +
  "client_id, client_secret, created_at";

/** Creates the issuer store on a migrated database. */
export function createIssuerStore(db: Db): IssuerStore {
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO trusted_issuers (${columns}) ` +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const selectByInstance = db.prepare(
    `SELECT ${columns} FROM trusted_issuers WHERE instance_id = ? ` +
      "ORDER BY created_at, rowid",
  );
  const selectAll = db.prepare(
    `SELECT ${columns} FROM trusted_issuers ORDER BY created_at, rowid`,
  );
  const remove = db.prepare(
    "DELETE FROM trusted_issuers WHERE instance_id = ? AND issuer = ?",
  );

  return {
    put: (issuer) => {
      upsert.run(
        issuer.instanceId,
        issuer.issuer,
        issuer.audience,
        issuer.rolesClaim,
        issuer.introspectionEndpoint ?? null,
        issuer.clientId ?? null,
        issuer.clientSecret ?? null,
        issuer.createdAt.getTime(),
      );
    },
    list: (instanceId) =>
      (selectByInstance.all(instanceId) as IssuerRow[]).map(toIssuer),
    listAll: () => (selectAll.all() as IssuerRow[]).map(toIssuer),
    remove: (instanceId, issuer) =>
      remove.run(instanceId, issuer).changes > 0,
  };
}

function toIssuer(row: IssuerRow): TrustedIssuer {
  return {
    instanceId: row.instance_id,
    issuer: row.issuer,
    audience: row.audience,
    rolesClaim: row.roles_claim,
    introspectionEndpoint: row.introspection_endpoint ?? undefined,
    clientId: row.client_id ?? undefined,
    clientSecret: row.client_secret ?? undefined,
    createdAt: new Date(row.created_at),
  };
}
