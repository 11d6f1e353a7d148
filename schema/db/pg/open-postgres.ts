/**
 * Opening the cluster's PostgreSQL control plane: a connection pool, the drizzle-kit migrations of its kind
 * applied once (under an advisory lock, so replicas starting together do not race), and a typed drizzle handle.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';
import { migrationsFolder } from '../kinds.ts';
import type { PostgresKind } from '../kinds.ts';

/** An open control plane: the typed drizzle handle and the pool under it. */
export interface OpenedPostgres {
  readonly db: NodePgDatabase;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/** Options of {@link openPostgres}. */
export interface OpenPostgresOptions {
  /** Most connections of this process (default 10). */
  maxConnections?: number;
  /** The application name the server shows in `pg_stat_activity` (default `cleanroom`). */
  applicationName?: string;
}

/** The advisory lock key migrations take (any constant; two kinds never share a database). */
const MIGRATION_LOCK = 7_406_311_502;

/**
 * Connect to `url` and bring the database up to the latest migration of `kind`.
 *
 * @example
 * const { db, close } = await openPostgres(process.env.CLEANROOM_DATABASE_URL!, 'control-plane');
 */
export async function openPostgres(
  url: string,
  kind: PostgresKind,
  options: OpenPostgresOptions = {},
): Promise<OpenedPostgres> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'cleanroom',
  });
  pool.on('error', idleClientLost);
  try {
    await migratePostgres(pool, kind);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return { db: drizzle({ client: pool }), pool, close: () => pool.end() };
}

/**
 * Apply the migrations of `kind` that `pool`'s database lacks, in one transaction under an advisory lock; records
 * them in drizzle's `drizzle.__drizzle_migrations` as drizzle-kit expects. Returns how many were applied.
 */
export async function migratePostgres(pool: pg.Pool, kind: PostgresKind): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder(kind) });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE SCHEMA IF NOT EXISTS drizzle');
    await client.query(
      'CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)',
    );
    const last = await client.query<{ created_at: string }>(
      'SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1',
    );
    const lastMillis = last.rows[0] === undefined ? undefined : Number(last.rows[0].created_at);
    let applied = 0;
    for (const migration of migrations) {
      if (lastMillis !== undefined && lastMillis >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim() !== '') await client.query(statement);
      await client.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [
        migration.hash,
        migration.folderMillis,
      ]);
      applied += 1;
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(rollbackFailedConnectionGone);
    throw error;
  } finally {
    client.release();
  }
}

/** A ROLLBACK that failed: the connection broke, and the server rolls back a broken connection's transaction itself. */
function rollbackFailedConnectionGone(): void {}

/** An idle pooled client's error (the server restarted): the pool drops that client and opens a new one when asked. */
function idleClientLost(): void {}
