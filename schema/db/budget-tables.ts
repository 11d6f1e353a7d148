/** The privacy budget ledger's table (policies/privacy, `budgets.sqlite`). */
import { sql } from 'drizzle-orm';
import { check, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { budgetWindowStartColumns, partnerColumns } from './columns.ts';

/** Epsilon spent per partner, contract version and budget window, in integer millionths. STRICT. */
export const privacyBudget = sqliteTable(
  'privacy_budget',
  {
    ...partnerColumns(),
    contractVersion: text('contract_version').notNull(),
    budgetWindow: text('budget_window').notNull(),
    ...budgetWindowStartColumns(),
    epsilonSpentMicro: integer('epsilon_spent_micro').notNull().default(0),
    spends: integer('spends').notNull().default(0),
    updatedAt: text('updated_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.partnerId, table.contractVersion, table.budgetWindow, table.windowStart] }),
    check('privacy_budget_spent', sql`${table.epsilonSpentMicro} >= 0`),
  ],
);
