/**
 * Every SQLite table of the project, defined once with drizzle-orm, and how a database file is opened: created
 * or upgraded by the drizzle-kit migrations of its kind (`schema/db/migrations/<kind>/`), then handed out as a
 * typed drizzle database beside its better-sqlite3 connection.
 */
export {
  logTopics,
  logPartitions,
  logMessages,
  logGroupOffsets,
  logGroupMembers,
  logGroupOwners,
} from './log-tables.ts';
export { stateRows, timers, inputOffsets, stateMeta, outbox } from './state-tables.ts';
export {
  identityLinks,
  identityErased,
  consentRecords,
  consentChanges,
  ingestSeen,
} from './identity-tables.ts';
export { auditEntries, auditNodes, auditTreeHeads } from './audit-tables.ts';
export { contractVersions } from './contract-tables.ts';
export { privacyBudget } from './budget-tables.ts';
export { partnerKeyEpochs } from './partner-key-tables.ts';
export {
  uploads,
  uploadDigests,
  uploadSubjects,
  liveStreams,
  activationDecisions,
  shownSubjects,
  releaseMeta,
} from './release-tables.ts';
export { DATABASE_KINDS, migrationsFolder } from './kinds.ts';
export type { DatabaseKind } from './kinds.ts';
export { openDatabase, adoptDatabase } from './open-database.ts';
export type { OpenDatabaseOptions, OpenedDatabase, SqliteDatabase } from './open-database.ts';
export { migrateDatabase } from './migrate.ts';
export { prepareRendered, placeholder } from './prepare-rendered.ts';
export type { RenderableQuery } from './prepare-rendered.ts';
export {
  pgPrivacyBudget,
  pgAuditEntries,
  pgAuditNodes,
  pgAuditTreeHeads,
  pgContractVersions,
  pgPartnerKeyEpochs,
} from './pg/control-plane-tables.ts';
export { POSTGRES_KINDS } from './kinds.ts';
export type { PostgresKind } from './kinds.ts';
export { openPostgres, migratePostgres } from './pg/open-postgres.ts';
export type { OpenedPostgres, OpenPostgresOptions } from './pg/open-postgres.ts';
