/**
 * Opening the SQLite files of the identity area: owner-only permissions, WAL, a busy timeout. A caller may
 * instead pass an open database, so that ingest keeps identity, consent and its offsets in one transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** A path to a SQLite file, or an already open database (shared with other stores). */
export type DatabaseInput = string | Database.Database;

/** An open database and whether the caller of `openDatabase` owns (and must close) it. */
export interface OpenedDatabase {
  db: Database.Database;
  owned: boolean;
}

/** Open (or adopt) a SQLite database with owner-only file permissions. */
export function openDatabase(input: DatabaseInput): OpenedDatabase {
  if (typeof input !== 'string') return { db: input, owned: false };
  fs.mkdirSync(path.dirname(input), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(input)) fs.writeFileSync(input, '', { mode: 0o600 });
  fs.chmodSync(input, 0o600);
  const db = new Database(input);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return { db, owned: true };
}
