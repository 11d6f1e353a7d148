/**
 * Tables of the gateway's release state (drizzle definitions): audience uploads with the keyed digests of
 * what was submitted (for difference checks) and the subjects they resolved to, continual-release counters,
 * and activation-gate decisions. All of it must outlive a restart: a gateway that forgot a counter's noise
 * would draw fresh noise for the same tick (an averaging attack), and one that forgot uploads would let a
 * differencing probe start over; one that forgot who was shown a shopper would not tell them of an opt-out.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import {
  budgetWindowStartColumns,
  partnerColumns,
  partnerSegmentColumns,
  subjectColumns,
} from './columns.ts';

/** One audience upload. `window_start` is the budget window it counts against. */
export const uploads = sqliteTable(
  'release_uploads',
  {
    uploadId: text('upload_id').primaryKey(),
    ...partnerColumns(),
    name: text('name').notNull(),
    submitted: integer('submitted').notNull(),
    createdAt: text('created_at').notNull(),
    ...budgetWindowStartColumns(),
    /** When its overlap was first asked for (it then takes part in later difference checks). */
    queriedAt: text('queried_at'),
    /** The budget window in which it was last asked for: difference checks compare within the current one. */
    queriedWindow: text('queried_window'),
  },
  (table) => [index('release_uploads_partner').on(table.partnerId, table.windowStart)],
);

/** HMAC digests (gateway key) of each submitted hash: comparable between uploads, useless without the key. */
export const uploadDigests = sqliteTable(
  'release_upload_digests',
  {
    uploadId: text('upload_id').notNull(),
    digest: text('digest').notNull(),
  },
  (table) => [primaryKey({ columns: [table.uploadId, table.digest] })],
);

/** Subject ids an upload resolved to (pseudonymous; never a hash or an identifier). */
export const uploadSubjects = sqliteTable(
  'release_upload_subjects',
  {
    uploadId: text('upload_id').notNull(),
    ...subjectColumns(),
  },
  (table) => [primaryKey({ columns: [table.uploadId, table.subjectId] })],
);

/** A continual-release stream of one partner: its counter states and whether its epsilon was charged. */
export const liveStreams = sqliteTable('release_live_streams', {
  streamKey: text('stream_key').primaryKey(),
  ...partnerColumns(),
  ...budgetWindowStartColumns(),
  /** JSON: counter state per measure. */
  counters: text('counters').notNull(),
  chargedAt: text('charged_at').notNull(),
});

/** Every activation-gate decision, in order. */
export const activationDecisions = sqliteTable(
  'release_activation_decisions',
  {
    ...partnerSegmentColumns(),
    decidedAt: text('decided_at').notNull(),
    open: integer('open', { mode: 'boolean' }).notNull(),
    /** The hub position (absolute signal sequence) from which the decision holds. */
    fromSequence: integer('from_sequence').notNull(),
  },
  (table) => [primaryKey({ columns: [table.partnerId, table.segmentId, table.decidedAt] })],
);

/**
 * The shoppers each partner holds a pseudonym of, per segment (it was shown their ENTERED and not yet their
 * EXITED): an opt-out or erasure of one of them is delivered whatever the gate's state, and that must hold across
 * a restart too. Subject ids are pseudonymous; the rows go when the exit is delivered.
 */
export const shownSubjects = sqliteTable(
  'release_shown_subjects',
  {
    ...partnerSegmentColumns(),
    ...subjectColumns(),
  },
  (table) => [primaryKey({ columns: [table.partnerId, table.segmentId, table.subjectId] })],
);

/** Key-value settings of the release state (the digest key). */
export const releaseMeta = sqliteTable('release_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
