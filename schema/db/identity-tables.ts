/**
 * Identity links and consent (policies/identity, policies/consent), kept in ingest's state file. Rows are keyed
 * by an identifier's own subject id (an HMAC with the host secret), never by the identifier or its hash.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { consentColumns, subjectColumns } from './columns.ts';

/** Deterministic links: identifier key -> subject. `anchored` once linked to a loyalty id. */
export const identityLinks = sqliteTable(
  'identity_links',
  {
    identifierKey: text('identifier_key').primaryKey(),
    kind: text('kind').notNull(),
    ...subjectColumns(),
    anchored: integer('anchored').notNull(),
    linkedAt: text('linked_at').notNull(),
  },
  (table) => [index('identity_links_subject').on(table.subjectId)],
);

/** Tombstones of erased subjects' identifiers (and of the subject itself), so they never resolve again. */
export const identityErased = sqliteTable(
  'identity_erased',
  {
    identifierKey: text('identifier_key').primaryKey(),
    ...subjectColumns(),
    erasedAt: text('erased_at').notNull(),
  },
  (table) => [index('identity_erased_subject').on(table.subjectId)],
);

/** Each subject's consent per purpose, as of its latest record by event time. */
export const consentRecords = sqliteTable('consent_records', {
  subjectId: text('subject_id').primaryKey(),
  ...consentColumns(),
  eventAt: text('event_at').notNull(),
});

/** Every consent change, for the privacy officer (subject ids only). */
export const consentChanges = sqliteTable('consent_changes', {
  changeId: text('change_id').primaryKey(),
  ...subjectColumns(),
  occurredAt: text('occurred_at').notNull(),
  ...consentColumns(),
});

/** Raw event ids ingest passed, per raw topic, with the log time they were seen at. WITHOUT ROWID. */
export const ingestSeen = sqliteTable(
  'ingest_seen',
  {
    topic: text('topic').notNull(),
    eventId: text('event_id').notNull(),
    seenAt: integer('seen_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.topic, table.eventId] }),
    index('ingest_seen_at').on(table.seenAt),
  ],
);
