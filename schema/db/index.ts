/**
 * Every SQLite table of the project, defined once with drizzle-orm, and how a database file is opened: created
 * or upgraded by the drizzle-kit migrations of its kind (`schema/db/migrations/<kind>/`), then handed out as a
 * typed drizzle database beside its better-sqlite3 connection.
 */
export * from './log-tables.ts';
export * from './state-tables.ts';
export * from './identity-tables.ts';
export * from './audit-tables.ts';
export * from './contract-tables.ts';
export * from './budget-tables.ts';
export * from './partner-key-tables.ts';
export * from './release-tables.ts';
export * from './kinds.ts';
export * from './open-database.ts';
export * from './migrate.ts';
export * from './prepare-rendered.ts';
