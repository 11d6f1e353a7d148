/**
 * The shared control plane of a cluster in PostgreSQL (`CLEANROOM_DATABASE_URL`): the same budgets, audit log,
 * contract versions and partner key epochs the embedded default keeps in SQLite files (schema/db/*-tables.ts), with
 * the same names, so every gateway replica spends one budget, writes one audit log and derives one pseudonym.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  serial,
  text,
} from 'drizzle-orm/pg-core';

/** Raw bytes (`bytea`), as Node buffers. */
const bytes = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** Epsilon spent per partner, contract version and budget window, in integer millionths. */
export const pgPrivacyBudget = pgTable(
  'privacy_budget',
  {
    partnerId: text('partner_id').notNull(),
    contractVersion: text('contract_version').notNull(),
    budgetWindow: text('budget_window').notNull(),
    windowStart: text('window_start').notNull(),
    epsilonSpentMicro: bigint('epsilon_spent_micro', { mode: 'number' }).notNull().default(0),
    spends: integer('spends').notNull().default(0),
    updatedAt: text('updated_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.partnerId, table.contractVersion, table.budgetWindow, table.windowStart] }),
    check('privacy_budget_spent', sql`${table.epsilonSpentMicro} >= 0`),
  ],
);

/** Audit entries of every replica, in one sequence: canonical entry bytes and their RFC 6962 leaf hash. */
export const pgAuditEntries = pgTable(
  'audit_entries',
  {
    sequence: bigint('sequence', { mode: 'number' }).primaryKey(),
    decisionId: text('decision_id').notNull(),
    at: text('at').notNull(),
    principalId: text('principal_id').notNull(),
    action: text('action').notNull(),
    effect: text('effect').notNull(),
    entry: bytes('entry').notNull(),
    leafHash: bytes('leaf_hash').notNull(),
  },
  (table) => [index('audit_entries_by_principal').on(table.principalId, table.sequence)],
);

/** Complete subtree hashes of the Merkle tree, by level and index. */
export const pgAuditNodes = pgTable(
  'audit_nodes',
  {
    level: integer('level').notNull(),
    idx: bigint('idx', { mode: 'number' }).notNull(),
    hash: bytes('hash').notNull(),
  },
  (table) => [primaryKey({ columns: [table.level, table.idx] })],
);

/** Signed tree heads (JWS, Ed25519), signed by whichever replica reached the size first. */
export const pgAuditTreeHeads = pgTable('audit_tree_heads', {
  size: bigint('size', { mode: 'number' }).primaryKey(),
  rootHash: text('root_hash').notNull(),
  at: text('at').notNull(),
  kid: text('kid').notNull(),
  signature: text('signature').notNull(),
});

/** Every version of every partner contract, named by its content hash. */
export const pgContractVersions = pgTable(
  'contract_versions',
  {
    sequence: serial('sequence').primaryKey(),
    partnerId: text('partner_id').notNull(),
    version: text('version').notNull(),
    body: text('body').notNull(),
    source: text('source', { enum: ['file', 'api'] }).notNull(),
    actor: text('actor'),
    recordedAt: text('recorded_at').notNull(),
  },
  (table) => [
    index('contract_versions_by_partner').on(table.partnerId, table.sequence),
    check('contract_versions_source', sql`${table.source} IN ('file', 'api')`),
  ],
);

/** Partner key epochs: a salt per epoch, its start and (once rotated) the end of its overlap. */
export const pgPartnerKeyEpochs = pgTable(
  'partner_key_epochs',
  {
    partnerId: text('partner_id').notNull(),
    epoch: integer('epoch').notNull(),
    salt: bytes('salt').notNull(),
    startedAt: bigint('started_at', { mode: 'number' }).notNull(),
    validUntil: bigint('valid_until', { mode: 'number' }),
  },
  (table) => [primaryKey({ columns: [table.partnerId, table.epoch] })],
);
