/**
 * The SQLite tables and prepared statements behind the embedded log (private to processors/runtime).
 *
 * A message's row id packs its partition and offset: `partitionId * 2^32 + offset`, so a partition's records
 * are one contiguous rowid range and a fetch is a single b-tree range scan.
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

/** Room for 2^32 offsets per partition inside a safe JavaScript integer row id. */
export const OFFSET_SPACE = 2 ** 32;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log_topics (
  name TEXT PRIMARY KEY,
  partitions INTEGER NOT NULL,
  compacted INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log_partitions (
  id INTEGER PRIMARY KEY,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL DEFAULT 0,
  UNIQUE (topic, partition)
);
CREATE TABLE IF NOT EXISTS log_messages (
  id INTEGER PRIMARY KEY,
  key TEXT,
  value TEXT NOT NULL,
  headers TEXT,
  timestamp INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log_group_offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  committed_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_group_members (
  group_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  topics TEXT NOT NULL,
  pid INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_group_owners (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  member_id TEXT NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;
`;

/** A topic row. */
export interface TopicRow {
  partitions: number;
  compacted: number;
}

/** A member row of a consumer group. */
export interface MemberRow {
  member_id: string;
  topics: string;
  pid: number;
  heartbeat_at: number;
}

/** An owner row: which member holds a partition of a group. */
export interface OwnerRow {
  topic: string;
  partition: number;
  member_id: string;
}

/** The opened database and its prepared statements. */
export interface EmbeddedStore {
  db: SqliteDatabase;
  topic: Statement<[string], TopicRow>;
  insertTopic: Statement<[string, number, number, number]>;
  insertPartition: Statement<[string, number]>;
  partitionIds: Statement<[string], { id: number; partition: number }>;
  nextOffset: Statement<[number], { next_offset: number }>;
  setNextOffset: Statement<[number, number]>;
  endOffsets: Statement<[string], { partition: number; next_offset: number }>;
  insertMessage: Statement<[number, string | null, string, string | null, number]>;
  /** Raw rows: [id, key, value, headers, timestamp]. */
  readMessages: Statement<[number, number, number], unknown[]>;
  upsertOffset: Statement<[string, string, number, number, number]>;
  committed: Statement<[string, string], { partition: number; next_offset: number }>;
  upsertMember: Statement<[string, string, string, number, number]>;
  members: Statement<[string], MemberRow>;
  deleteMember: Statement<[string, string]>;
  owners: Statement<[string], OwnerRow>;
  insertOwner: Statement<[string, string, number, string]>;
  deleteOwner: Statement<[string, string, number, string]>;
  deleteOwnersOf: Statement<[string, string]>;
}

/** Opens (creating if needed) the log database at `path` in WAL mode and prepares every statement. */
export function openEmbeddedStore(path: string): EmbeddedStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -16000');
  db.exec(SCHEMA);
  const readMessages = db.prepare<[number, number, number], unknown[]>(
    'SELECT id, key, value, headers, timestamp FROM log_messages WHERE id >= ? AND id < ? ORDER BY id LIMIT ?',
  );
  readMessages.raw(true);
  return {
    db,
    topic: db.prepare('SELECT partitions, compacted FROM log_topics WHERE name = ?'),
    insertTopic: db.prepare(
      'INSERT OR IGNORE INTO log_topics (name, partitions, compacted, created_at) VALUES (?, ?, ?, ?)',
    ),
    insertPartition: db.prepare('INSERT OR IGNORE INTO log_partitions (topic, partition) VALUES (?, ?)'),
    partitionIds: db.prepare('SELECT id, partition FROM log_partitions WHERE topic = ? ORDER BY partition'),
    nextOffset: db.prepare('SELECT next_offset FROM log_partitions WHERE id = ?'),
    setNextOffset: db.prepare('UPDATE log_partitions SET next_offset = ? WHERE id = ?'),
    endOffsets: db.prepare(
      'SELECT partition, next_offset FROM log_partitions WHERE topic = ? ORDER BY partition',
    ),
    insertMessage: db.prepare(
      'INSERT INTO log_messages (id, key, value, headers, timestamp) VALUES (?, ?, ?, ?, ?)',
    ),
    readMessages,
    upsertOffset: db.prepare(
      `INSERT INTO log_group_offsets (group_id, topic, partition, next_offset, committed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset,
       committed_at = excluded.committed_at`,
    ),
    committed: db.prepare(
      'SELECT partition, next_offset FROM log_group_offsets WHERE group_id = ? AND topic = ?',
    ),
    upsertMember: db.prepare(
      `INSERT INTO log_group_members (group_id, member_id, topics, pid, heartbeat_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, member_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
    ),
    members: db.prepare(
      'SELECT member_id, topics, pid, heartbeat_at FROM log_group_members WHERE group_id = ? ORDER BY member_id',
    ),
    deleteMember: db.prepare('DELETE FROM log_group_members WHERE group_id = ? AND member_id = ?'),
    owners: db.prepare('SELECT topic, partition, member_id FROM log_group_owners WHERE group_id = ?'),
    insertOwner: db.prepare(
      'INSERT OR IGNORE INTO log_group_owners (group_id, topic, partition, member_id) VALUES (?, ?, ?, ?)',
    ),
    deleteOwner: db.prepare(
      'DELETE FROM log_group_owners WHERE group_id = ? AND topic = ? AND partition = ? AND member_id = ?',
    ),
    deleteOwnersOf: db.prepare('DELETE FROM log_group_owners WHERE group_id = ? AND member_id = ?'),
  };
}
