import type { Migration } from "../migrations.js";

/**
 * The outbox of event deliveries and the history of their attempts. A
 * delivery row is written in the transaction of its event, one per target
 * of the matching event execution; the worker in the server process sends
 * the pending ones and records every attempt. `body` is the exact JSON sent
 * (API.md section 8), fixed at enqueue time so that every retry sends the
 * same bytes.
 */
export const deliveriesMigration: Migration = {
  version: 3,
  name: "deliveries",
  sql: `
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  event_position INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  target_id TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count INTEGER NOT NULL DEFAULT 0,
  budget_used INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id)
  WHERE status = 'pending';
CREATE INDEX deliveries_pending_by_target
  ON deliveries (target_id, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_by_instance ON deliveries (instance_id, id);
CREATE INDEX deliveries_finished ON deliveries (finished_at)
  WHERE status <> 'pending';

CREATE TABLE delivery_attempts (
  delivery_id INTEGER NOT NULL
    REFERENCES deliveries (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;
`,
};
