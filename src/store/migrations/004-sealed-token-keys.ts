import type { Migration } from "../migrations.js";

/**
 * Lets `signing_keys.private_jwk` hold the private half sealed, as a BLOB.
 * A STRICT table refuses a BLOB in a TEXT column, so the table is rebuilt
 * with an ANY column, rowids kept (they order keys of the same instant).
 * The migration runs without the secret key, so it cannot seal: rows of
 * earlier versions stay plain JSON TEXT until the key store is opened with
 * the secret key (`sealPlainPrivateKeys` in key-store.ts); `typeof`
 * tells the two apart.
 */
export const sealedTokenKeysMigration: Migration = {
  version: 4,
  name: "sealed-token-keys",
  sql: `
CREATE TABLE signing_keys_sealed (
  kid TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
  alg TEXT NOT NULL CHECK (alg IN ('ES256', 'EdDSA')),
  -- A BLOB: the JWK JSON sealed with AES-256-GCM. TEXT: plain JWK JSON
  -- left by an earlier version, sealed on the next open with the key.
  private_jwk ANY NOT NULL CHECK (typeof(private_jwk) IN ('blob', 'text')),
  public_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER,
  tokens_valid_until INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO signing_keys_sealed (rowid, kid, instance_id, alg, private_jwk,
    public_jwk, created_at, retired_at, tokens_valid_until)
  SELECT rowid, kid, instance_id, alg, private_jwk, public_jwk, created_at,
    retired_at, tokens_valid_until
  FROM signing_keys;

DROP TABLE signing_keys;
ALTER TABLE signing_keys_sealed RENAME TO signing_keys;

CREATE INDEX signing_keys_by_instance ON signing_keys (instance_id, created_at);
`,
};
