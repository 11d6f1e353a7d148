/**
 * Applying a kind's drizzle-kit migrations to an open database. drizzle-orm's own migrator reads what was
 * applied before it takes the write lock, so two processes opening one file at once (a gateway and a pipeline
 * on the embedded log) could both apply a migration; this one does the whole check-and-apply under
 * `BEGIN IMMEDIATE`, recording each migration in drizzle's `__drizzle_migrations` table as drizzle-kit expects.
 */
import type Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { MigrationMeta } from 'drizzle-orm/migrator';
import { migrationsFolder } from './kinds.ts';
import type { DatabaseKind } from './kinds.ts';

const MIGRATIONS_TABLE = '__drizzle_migrations';

// Read once per process and kind: every state file of a stage applies the same migrations.
const cache = new Map<DatabaseKind, MigrationMeta[]>();

function migrationsOf(kind: DatabaseKind): MigrationMeta[] {
  let migrations = cache.get(kind);
  if (migrations === undefined) {
    migrations = readMigrationFiles({ migrationsFolder: migrationsFolder(kind) });
    cache.set(kind, migrations);
  }
  return migrations;
}

/**
 * Bring `sqlite` up to the latest migration of `kind`; returns how many were applied. Idempotent.
 *
 * @example
 * migrateDatabase(new Database('data/log.sqlite'), 'log');
 */
export function migrateDatabase(sqlite: Database.Database, kind: DatabaseKind): number {
  const migrations = migrationsOf(kind);
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    sqlite.exec(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id INTEGER PRIMARY KEY, hash TEXT NOT NULL, created_at NUMERIC)`,
    );
    const last = sqlite
      .prepare<[], { created_at: number }>(
        `SELECT created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at DESC LIMIT 1`,
      )
      .get();
    const record = sqlite.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (hash, created_at) VALUES (?, ?)`);
    let applied = 0;
    for (const migration of migrations) {
      if (last !== undefined && Number(last.created_at) >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim() !== '') sqlite.exec(statement);
      record.run(migration.hash, migration.folderMillis);
      applied += 1;
    }
    sqlite.exec('COMMIT');
    return applied;
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
}
