/** Ingest's SQLite file: owner-only (it holds identity links), WAL, a busy timeout. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Open `<dataDir>/ingest.sqlite` (creating it 0600 inside a 0700 folder when missing). */
export function openIngestDatabase(file: string): Database.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) fs.writeFileSync(file, '', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
