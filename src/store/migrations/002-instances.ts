import type { Migration } from "../migrations.js";

/** Instances, their domains, token signing keys and trusted issuers. */
export const instancesMigration: Migration = {
  version: 2,
  name: "instances",
  sql: "",
};
