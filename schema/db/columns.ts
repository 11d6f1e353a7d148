/**
 * Column groups that mean the same in several tables, built afresh for each table (drizzle's column builders
 * belong to the table they are spread into). Spreading one keeps the columns' names, types and order.
 */
import { integer, text } from 'drizzle-orm/sqlite-core';

/** A topic partition of the log: `topic` and `partition`, both required. */
export function topicPartitionColumns() {
  return {
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
  };
}

/** A subject's consent per purpose, and whether it was erased (1 or 0 each). */
export function consentColumns() {
  return {
    measurement: integer('measurement').notNull(),
    personalization: integer('personalization').notNull(),
    partnerSharing: integer('partner_sharing').notNull(),
    erased: integer('erased').notNull(),
  };
}

/** The partner a row belongs to (`partner_id`, as in contracts and tokens), required. */
export function partnerColumns() {
  return { partnerId: text('partner_id').notNull() };
}

/** A partner's view of one segment: `partner_id` and `segment_id`, both required. */
export function partnerSegmentColumns() {
  return { ...partnerColumns(), segmentId: text('segment_id').notNull() };
}

/** The subject a row is about (the HMAC subject id, never an identifier), required. */
export function subjectColumns() {
  return { subjectId: text('subject_id').notNull() };
}

/** The start of the privacy-budget window a row counts against (ISO-8601), required. */
export function budgetWindowStartColumns() {
  return { windowStart: text('window_start').notNull() };
}

/** A consumer group's position on one topic partition: `group_id`, `topic` and `partition`, all required. */
export function groupPartitionColumns() {
  return { groupId: text('group_id').notNull(), ...topicPartitionColumns() };
}

/** A named JSON value: `name` and `value`, both required. */
export function namedValueColumns() {
  return { name: text('name').notNull(), value: text('value').notNull() };
}
