/**
 * drizzle-kit's configuration, one kind of database at a time (`schema/db/kinds.ts`): `npm run db:generate`
 * runs `drizzle-kit generate` for every kind with `CLEANROOM_DB_KIND` set. Nothing here opens a database.
 */
import { defineConfig } from 'drizzle-kit';
import { DATABASE_KINDS, POSTGRES_KINDS } from './schema/db/kinds.ts';

const KINDS = { ...DATABASE_KINDS, ...POSTGRES_KINDS };
const kind = (process.env['CLEANROOM_DB_KIND'] ?? '') as keyof typeof KINDS;
if (!(kind in KINDS)) {
  throw new Error(`CLEANROOM_DB_KIND must be one of ${Object.keys(KINDS).join(', ')}`);
}

export default defineConfig({
  dialect: kind in POSTGRES_KINDS ? 'postgresql' : 'sqlite',
  schema: [...KINDS[kind]],
  out: `./schema/db/migrations/${kind}`,
  casing: undefined,
});
