/**
 * The kinds of SQLite file the project keeps, each with its own drizzle-kit migrations: which table modules
 * make it up (read by `drizzle.config.ts`) and where its migrations are.
 */
import path from 'node:path';

/** Table modules of each kind of database, relative to the repository root. */
export const DATABASE_KINDS = {
  /** The embedded log (`log.sqlite`). */
  log: ['schema/db/log-tables.ts'],
  /** A processor task's state (`state/<stage>/partition-<n>.sqlite`). */
  state: ['schema/db/state-tables.ts'],
  /** Ingest's state: a task's tables plus identity, consent and the seen-set (`ingest.sqlite`). */
  ingest: ['schema/db/state-tables.ts', 'schema/db/identity-tables.ts'],
  /** The audit log (`audit.sqlite`). */
  audit: ['schema/db/audit-tables.ts'],
  /** Contract versions (`contracts.sqlite`). */
  contracts: ['schema/db/contract-tables.ts'],
  /** Privacy budgets (`budgets.sqlite`). */
  budgets: ['schema/db/budget-tables.ts'],
  /** Partner key epochs (`partner-keys.sqlite`). */
  'partner-keys': ['schema/db/partner-key-tables.ts'],
  /** The gateway's release state (`release.sqlite`). */
  release: ['schema/db/release-tables.ts'],
} as const satisfies Record<string, readonly string[]>;

/** A kind of database file. */
export type DatabaseKind = keyof typeof DATABASE_KINDS;

/** The PostgreSQL databases of a cluster, each with its own drizzle-kit migrations (dialect `postgresql`). */
export const POSTGRES_KINDS = {
  /** The gateways' shared control plane (`CLEANROOM_DATABASE_URL`): budgets, audit log, contracts, keys. */
  'control-plane': ['schema/db/pg/control-plane-tables.ts'],
} as const satisfies Record<string, readonly string[]>;

/** A kind of PostgreSQL database. */
export type PostgresKind = keyof typeof POSTGRES_KINDS;

/** The folder of a kind's migrations (drizzle-kit's `out`). */
export function migrationsFolder(kind: DatabaseKind | PostgresKind): string {
  return path.join(import.meta.dirname, 'migrations', kind);
}
