/**
 * The tables of a processor task's state file (processors/runtime/state): keyed rows, event-time timers, the
 * next input offsets, meta values (watermark, counters, producer epoch) and the outbox of outputs still to
 * produce. Every processor's state file has them; ingest's file has its own tables beside them.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { namedValueColumns, topicPartitionColumns } from './columns.ts';

/** Keyed state: a JSON value per (partition key, name). WITHOUT ROWID in the migration. */
export const stateRows = sqliteTable(
  'state',
  {
    key: text('key').notNull(),
    ...namedValueColumns(),
  },
  (table) => [primaryKey({ columns: [table.key, table.name] })],
);

/** Event-time timers, unique per (time, key, name) and fired in that order. WITHOUT ROWID in the migration. */
export const timers = sqliteTable(
  'timers',
  {
    time: integer('time').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.time, table.key, table.name] }),
    index('timers_by_key').on(table.key),
  ],
);

/** The next offset to read per input partition, committed with the state. WITHOUT ROWID in the migration. */
export const inputOffsets = sqliteTable(
  'offsets',
  {
    ...topicPartitionColumns(),
    nextOffset: integer('next_offset').notNull(),
  },
  (table) => [primaryKey({ columns: [table.topic, table.partition] })],
);

/** Named JSON values of the task (watermark, counters, applied sequences, producer epoch). */
export const stateMeta = sqliteTable('meta', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Outputs committed with their batch and not yet confirmed as produced. AUTOINCREMENT: a sequence is never
 * reused, even after its row is deleted (it is the output's producer sequence downstream).
 */
export const outbox = sqliteTable('outbox', {
  sequence: integer('sequence').primaryKey({ autoIncrement: true }),
  topic: text('topic').notNull(),
  key: text('key'),
  value: text('value').notNull(),
  outputId: text('output_id').notNull(),
  partition: integer('partition'),
});
