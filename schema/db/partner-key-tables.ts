/** Partner key epochs (policies/identity, `partner-keys.sqlite`). */
import { blob, integer, primaryKey, sqliteTable } from 'drizzle-orm/sqlite-core';
import { partnerColumns } from './columns.ts';

/** Partner key epochs: a salt per epoch, its start and (once rotated) the end of its overlap. */
export const partnerKeyEpochs = sqliteTable(
  'partner_key_epochs',
  {
    ...partnerColumns(),
    epoch: integer('epoch').notNull(),
    salt: blob('salt', { mode: 'buffer' }).notNull(),
    startedAt: integer('started_at').notNull(),
    validUntil: integer('valid_until'),
  },
  (table) => [primaryKey({ columns: [table.partnerId, table.epoch] })],
);
