import type { Migration } from "../migrations.js";

/**
 * The event log and the current state of targets and executions. Every
 * table carries `instance_id` first in its keys, so every query of one
 * instance is an indexed range and instances never mix.
 */
export const actionsMigration: Migration = {
  version: 1,
  name: "actions",
  sql: `
CREATE TABLE events (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  aggregate_type TEXT NOT NULL,
  aggregate_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  creator TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (instance_id, aggregate_type, aggregate_id, sequence)
);
CREATE INDEX events_by_instance ON events (instance_id, position);

CREATE TABLE targets (
  instance_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  name_lower TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('webhook', 'call', 'async')),
  interrupt_on_error INTEGER NOT NULL,
  timeout_seconds INTEGER NOT NULL,
  timeout_nanos INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  signing_key BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (instance_id, id),
  UNIQUE (instance_id, name)
) WITHOUT ROWID;

CREATE TABLE executions (
  instance_id TEXT NOT NULL,
  id TEXT NOT NULL,
  condition TEXT NOT NULL,
  entries TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (instance_id, id)
) WITHOUT ROWID;

CREATE TABLE execution_entries (
  instance_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  target_id TEXT,
  include_id TEXT,
  PRIMARY KEY (instance_id, execution_id, position),
  FOREIGN KEY (instance_id, execution_id)
    REFERENCES executions (instance_id, id) ON DELETE CASCADE,
  FOREIGN KEY (instance_id, target_id) REFERENCES targets (instance_id, id),
  CHECK ((target_id IS NULL) <> (include_id IS NULL))
) WITHOUT ROWID;
CREATE INDEX execution_entries_by_target
  ON execution_entries (instance_id, target_id) WHERE target_id IS NOT NULL;
CREATE INDEX execution_entries_by_include
  ON execution_entries (instance_id, include_id) WHERE include_id IS NOT NULL;
`,
};
