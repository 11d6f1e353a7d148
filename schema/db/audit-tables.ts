/** The audit log's tables (policies/audit, `audit.sqlite`): entries, Merkle nodes, signed tree heads. */
import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Audit entries: the canonical entry bytes and their RFC 6962 leaf hash, by sequence. */
export const auditEntries = sqliteTable(
  'audit_entries',
  {
    sequence: integer('sequence').primaryKey(),
    decisionId: text('decision_id').notNull(),
    at: text('at').notNull(),
    principalId: text('principal_id').notNull(),
    action: text('action').notNull(),
    effect: text('effect').notNull(),
    entry: blob('entry', { mode: 'buffer' }).notNull(),
    leafHash: blob('leaf_hash', { mode: 'buffer' }).notNull(),
  },
  (table) => [index('audit_entries_by_principal').on(table.principalId, table.sequence)],
);

/** Complete subtree hashes of the Merkle tree, by level and index. WITHOUT ROWID in the migration. */
export const auditNodes = sqliteTable(
  'audit_nodes',
  {
    level: integer('level').notNull(),
    idx: integer('idx').notNull(),
    hash: blob('hash', { mode: 'buffer' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.level, table.idx] })],
);

/** Signed tree heads (JWS, Ed25519). */
export const auditTreeHeads = sqliteTable('audit_tree_heads', {
  size: integer('size').primaryKey(),
  rootHash: text('root_hash').notNull(),
  at: text('at').notNull(),
  kid: text('kid').notNull(),
  signature: text('signature').notNull(),
});
