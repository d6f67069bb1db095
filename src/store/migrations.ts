import { actionsMigration } from "./migrations/001-actions.js";
import { instancesMigration } from "./migrations/002-instances.js";
import { deliveriesMigration } from "./migrations/003-deliveries.js";
import { sealedTokenKeysMigration } from "./migrations/004-sealed-token-keys.js";

/** One step of the schema; versions are consecutive from 1. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Every schema step in order. A released migration is never edited: change
 * the schema by appending a new one.
 */
export const migrations: readonly Migration[] = [
  actionsMigration,
  instancesMigration,
  deliveriesMigration,
  sealedTokenKeysMigration,
];
