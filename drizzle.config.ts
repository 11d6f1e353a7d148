/**
 * drizzle-kit's configuration, one kind of database at a time (`schema/db/kinds.ts`): `npm run db:generate`
 * runs `drizzle-kit generate` for every kind with `CLEANROOM_DB_KIND` set. Nothing here opens a database.
 */
import { defineConfig } from 'drizzle-kit';
import { DATABASE_KINDS } from './schema/db/kinds.ts';
import type { DatabaseKind } from './schema/db/kinds.ts';

const kind = (process.env['CLEANROOM_DB_KIND'] ?? '') as DatabaseKind;
if (!(kind in DATABASE_KINDS)) {
  throw new Error(`CLEANROOM_DB_KIND must be one of ${Object.keys(DATABASE_KINDS).join(', ')}`);
}

export default defineConfig({
  dialect: 'sqlite',
  schema: [...DATABASE_KINDS[kind]],
  out: `./schema/db/migrations/${kind}`,
  casing: undefined,
});
