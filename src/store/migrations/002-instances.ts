import type { Migration } from "../migrations.js";

/** Instances, their domains, token signing keys and trusted issuers. */
export const instancesMigration: Migration = {
  version: 2,
  name: "instances",
  sql: `
CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  actions_enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
) STRICT;

-- The domain at position 0 is the host of the instance's token issuer.
CREATE TABLE instance_domains (
  domain TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  UNIQUE (instance_id, position)
) STRICT;

-- A key signs tokens until it is retired; its public half verifies them
-- until tokens_valid_until, the latest expiry of a token it signed.
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  alg TEXT NOT NULL CHECK (alg IN ('ES256', 'EdDSA')),
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER,
  tokens_valid_until INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX signing_keys_by_instance ON signing_keys (instance_id, created_at);

CREATE TABLE trusted_issuers (
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  issuer TEXT NOT NULL,
  audience TEXT NOT NULL,
  roles_claim TEXT NOT NULL,
  introspection_endpoint TEXT,
  client_id TEXT,
  client_secret TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (instance_id, issuer)
) STRICT;
`,
};
