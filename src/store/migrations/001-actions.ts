import type { Migration } from "../migrations.js";

/** The event log and the current state of targets and executions. */
export const actionsMigration: Migration = {
  version: 1,
  name: "actions",
  sql: "",
};
