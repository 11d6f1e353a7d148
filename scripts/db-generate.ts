/**
 * `npm run db:generate -- <name>`: run `drizzle-kit generate` for every kind of database (schema/db/kinds.ts),
 * so a change to a table module becomes the next migration of each kind that holds the table. drizzle-kit
 * compares the table modules with the last snapshot in the kind's folder; it opens no database and needs no
 * network.
 */
import { spawnSync } from 'node:child_process';
import { DATABASE_KINDS, POSTGRES_KINDS } from '../schema/db/kinds.ts';

const name = process.argv[2];
if (name === undefined || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('usage: npm run db:generate -- <migration_name in snake_case>\n');
  process.exit(2);
}
for (const kind of [...Object.keys(DATABASE_KINDS), ...Object.keys(POSTGRES_KINDS)]) {
  process.stdout.write(`${kind}: `);
  const result = spawnSync('npx', ['drizzle-kit', 'generate', '--name', name], {
    env: { ...process.env, CLEANROOM_DB_KIND: kind },
    stdio: ['inherit', 'inherit', 'inherit'],
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
