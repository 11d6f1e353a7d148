/**
 * Opening a SQLite file of the project: folder and file permissions, WAL, a busy timeout, the migrations of its
 * kind, and a typed drizzle database beside the better-sqlite3 connection (prepared statements stay available
 * for the few hot paths a profile showed drizzle's per-call cost on).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { DatabaseKind } from './kinds.ts';
import { migrateDatabase } from './migrate.ts';

/** The better-sqlite3 connection type. */
export type SqliteDatabase = Database.Database;

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Owner-only file and folder (0600, 0700): secrets, identity links, budgets. Default false. */
  private?: boolean;
  /** SQLite `synchronous` (default NORMAL: in WAL mode every commit survives a process kill). */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /** How long a writer waits for another's lock, in ms (default 5,000). */
  busyTimeoutMs?: number;
  /**
   * Open an existing file without creating, migrating or writing anything (verification while another process
   * writes). SQLite opens it read-write all the same, so that WAL recovery works; the caller writes nothing.
   */
  readonly?: boolean;
}

/** An open database: the typed drizzle handle and the connection under it. */
export interface OpenedDatabase {
  readonly db: BetterSQLite3Database;
  readonly sqlite: SqliteDatabase;
}

/**
 * Open (creating and upgrading) the database file `file` of kind `kind`.
 *
 * @example
 * const { db, sqlite } = openDatabase(path.join(dataDir, 'budgets.sqlite'), 'budgets', { private: true });
 */
export function openDatabase(
  file: string,
  kind: DatabaseKind,
  options: OpenDatabaseOptions = {},
): OpenedDatabase {
  if (options.readonly === true) {
    const sqlite = new Database(file, { fileMustExist: true });
    sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
    return { db: drizzle({ client: sqlite }), sqlite };
  }
  if (options.private === true) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (!fs.existsSync(file)) fs.writeFileSync(file, '', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
  } else fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  try {
    migrateDatabase(sqlite, kind);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return { db: drizzle({ client: sqlite }), sqlite };
}

/** A typed drizzle handle on a connection another store opened (and migrated) already. */
export function adoptDatabase(sqlite: SqliteDatabase): OpenedDatabase {
  return { db: drizzle({ client: sqlite }), sqlite };
}
