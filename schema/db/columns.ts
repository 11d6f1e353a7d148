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
