/** The contract registry's table (policies/contracts, `contracts.sqlite`). */
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { partnerColumns } from './columns.ts';

/** Every version of every partner contract, named by its content hash. STRICT in the migration. */
export const contractVersions = sqliteTable(
  'contract_versions',
  {
    sequence: integer('sequence').primaryKey({ autoIncrement: true }),
    ...partnerColumns(),
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
