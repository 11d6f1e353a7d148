/**
 * The embedded log's tables (processors/runtime/embedded-*): topics, partitions, messages and consumer groups.
 * A message's row id is `partition row id * 2^32 + offset`, so one partition's messages are one id range.
 */
import { integer, primaryKey, sqliteTable, text, unique } from 'drizzle-orm/sqlite-core';
import { groupPartitionColumns, topicPartitionColumns } from './columns.ts';

/** Topics and their partition counts. */
export const logTopics = sqliteTable('log_topics', {
  name: text('name').primaryKey(),
  partitions: integer('partitions').notNull(),
  compacted: integer('compacted').notNull().default(0),
  createdAt: integer('created_at').notNull(),
});

/** Partitions, with the next offset to write. */
export const logPartitions = sqliteTable(
  'log_partitions',
  {
    id: integer('id').primaryKey(),
    ...topicPartitionColumns(),
    nextOffset: integer('next_offset').notNull().default(0),
  },
  (table) => [unique().on(table.topic, table.partition)],
);

/** Messages; `id` = partition row id * 2^32 + offset. */
export const logMessages = sqliteTable('log_messages', {
  id: integer('id').primaryKey(),
  key: text('key'),
  value: text('value').notNull(),
  headers: text('headers'),
  timestamp: integer('timestamp').notNull(),
});

/** Committed next offsets per group and partition. WITHOUT ROWID in the migration. */
export const logGroupOffsets = sqliteTable(
  'log_group_offsets',
  {
    ...groupPartitionColumns(),
    nextOffset: integer('next_offset').notNull(),
    committedAt: integer('committed_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.groupId, table.topic, table.partition] })],
);

/** Live members of each group, with their heartbeat. WITHOUT ROWID in the migration. */
export const logGroupMembers = sqliteTable(
  'log_group_members',
  {
    groupId: text('group_id').notNull(),
    memberId: text('member_id').notNull(),
    topics: text('topics').notNull(),
    pid: integer('pid').notNull(),
    heartbeatAt: integer('heartbeat_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.groupId, table.memberId] })],
);

/** Which member owns which partition. WITHOUT ROWID in the migration. */
export const logGroupOwners = sqliteTable(
  'log_group_owners',
  {
    ...groupPartitionColumns(),
    memberId: text('member_id').notNull(),
  },
  (table) => [primaryKey({ columns: [table.groupId, table.topic, table.partition] })],
);
