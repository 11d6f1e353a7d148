import { afterEach, describe, expect, it } from 'vitest';
import { migratePostgres, openPostgres } from '../../../schema/db/index.ts';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.ts';
import type { TestDatabase } from '../../helpers/postgres.ts';

const skip = postgresSkipReason();

describe.skipIf(skip !== undefined)('openPostgres (control plane migrations)', () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('creates the control plane tables once, even when replicas open the database together', async () => {
    database = await createTestDatabase('migrate');
    const opened = await Promise.all([1, 2, 3].map(() => openPostgres(database!.url, 'control-plane')));
    try {
      const tables = await opened[0]!.pool.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual([
        'audit_entries',
        'audit_nodes',
        'audit_tree_heads',
        'contract_versions',
        'partner_key_epochs',
        'privacy_budget',
      ]);
      const applied = await opened[0]!.pool.query('SELECT hash FROM drizzle.__drizzle_migrations');
      expect(applied.rowCount).toBe(1);
      expect(await migratePostgres(opened[1]!.pool, 'control-plane')).toBe(0);
    } finally {
      await Promise.all(opened.map((handle) => handle.close()));
    }
  });
});
