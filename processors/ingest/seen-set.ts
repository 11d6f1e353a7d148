/**
 * The seen-set: raw event ids ingest has passed, per raw topic, with the log time they were seen at. A repeated
 * `eventId` within the retention is a duplicate. Whether an id counts as seen depends only on the record's own
 * timestamp, so when the set happens to be pruned never changes an answer (pruning is garbage collection).
 */
import type Database from 'better-sqlite3';
import type { SeenSet } from './transform.ts';

/** The seen-set over ingest's database, with pruning. */
export interface PrunableSeenSet extends SeenSet {
  /** Forget ids seen before `timestamp`; returns how many. */
  pruneBefore(timestamp: number): number;
}

/** The seen-set in `db` (ingest's state database), remembering ids for `retentionMs` of log time. */
export function createSeenSet(db: Database.Database, retentionMs: number): PrunableSeenSet {
  db.exec(`
    CREATE TABLE IF NOT EXISTS ingest_seen (
      topic TEXT NOT NULL, event_id TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (topic, event_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ingest_seen_at ON ingest_seen (seen_at);
  `);
  const seen = db.prepare<[string, string, number], { n: number }>(
    'SELECT 1 AS n FROM ingest_seen WHERE topic = ? AND event_id = ? AND seen_at >= ?',
  );
  const add = db.prepare(
    `INSERT INTO ingest_seen (topic, event_id, seen_at) VALUES (?, ?, ?)
     ON CONFLICT (topic, event_id) DO UPDATE SET seen_at = excluded.seen_at`,
  );
  const prune = db.prepare('DELETE FROM ingest_seen WHERE seen_at < ?');
  return {
    has: (topic, eventId, timestamp) => seen.get(topic, eventId, timestamp - retentionMs) !== undefined,
    add: (topic, eventId, timestamp) => void add.run(topic, eventId, timestamp),
    pruneBefore: (timestamp) => prune.run(timestamp).changes,
  };
}
