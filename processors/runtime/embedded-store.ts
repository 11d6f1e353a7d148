/**
 * The SQLite tables and prepared statements behind the embedded log (private to processors/runtime).
 *
 * A message's row id packs its partition and offset: `partitionId * 2^32 + offset`, so a partition's records
 * are one contiguous rowid range and a fetch is a single b-tree range scan.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import {
  logGroupMembers,
  logGroupOffsets,
  logGroupOwners,
  logMessages,
  logPartitions,
  logTopics,
  openDatabase,
  placeholder,
  prepareRendered,
} from '../../schema/db/index.ts';
import type { RenderableQuery } from '../../schema/db/index.ts';

/** Room for 2^32 offsets per partition inside a safe JavaScript integer row id. */
export const OFFSET_SPACE = 2 ** 32;

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
  /** drizzle over the same connection, for what is not on the hot path (retention, compaction). */
  orm: BetterSQLite3Database;
  topic: Statement<[string], TopicRow>;
  insertTopic: Statement<[string, number, number, number]>;
  insertPartition: Statement<[string, number]>;
  /** A topic's partitions in partition order: their row ids and next offsets. */
  partitions: Statement<[string], { id: number; partition: number; next_offset: number }>;
  nextOffset: Statement<[number], { next_offset: number }>;
  setNextOffset: Statement<[number, number]>;
  insertMessage: Statement<[number, string | null, string, string | null, number]>;
  /** Raw rows: [id, key, value, headers, timestamp]. */
  readMessages: Statement<[number, number, number], unknown[]>;
  /** Delete the messages with row ids in [from, to). */
  deleteMessages: Statement<[number, number]>;
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

/**
 * Opens (creating or upgrading) the log database at `path` in WAL mode and prepares every statement. The log
 * is the hot path of every stage (each record is appended and read once per consumer group), so its statements
 * are drizzle-rendered SQL run raw (schema/db/prepare-rendered.ts says what drizzle's call costs per row).
 */
export function openEmbeddedStore(path: string): EmbeddedStore {
  const { db: orm, sqlite: db } = openDatabase(path, 'log');
  db.pragma('cache_size = -16000');
  const q = (query: RenderableQuery, names: readonly string[]) => prepareRendered(db, query, names);
  const p = placeholder;
  const t = logTopics;
  const parts = logPartitions;
  const m = logMessages;
  const offsets = logGroupOffsets;
  const members = logGroupMembers;
  const owners = logGroupOwners;
  const readMessages = q(
    orm
      .select({ id: m.id, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp })
      .from(m)
      .where(and(gte(m.id, p('from')), lt(m.id, p('to'))))
      .orderBy(asc(m.id))
      .limit(p('limit')),
    ['from', 'to', 'limit'],
  );
  readMessages.raw(true);
  // Deleted records (raw events past ingest's retention) are overwritten in the file, not only unlinked.
  db.pragma('secure_delete = ON');
  return {
    db,
    orm,
    topic: q(
      orm
        .select({ partitions: t.partitions, compacted: t.compacted })
        .from(t)
        .where(eq(t.name, p('name'))),
      ['name'],
    ),
    insertTopic: q(
      orm
        .insert(t)
        .values({
          name: p('name'),
          partitions: p('partitions'),
          compacted: p('compacted'),
          createdAt: p('at'),
        })
        .onConflictDoNothing(),
      ['name', 'partitions', 'compacted', 'at'],
    ),
    insertPartition: q(
      orm
        .insert(parts)
        .values({ topic: p('topic'), partition: p('partition'), nextOffset: sql`0` })
        .onConflictDoNothing(),
      ['topic', 'partition'],
    ),
    partitions: q(
      orm
        .select({ id: parts.id, partition: parts.partition, next_offset: parts.nextOffset })
        .from(parts)
        .where(eq(parts.topic, p('topic')))
        .orderBy(asc(parts.partition)),
      ['topic'],
    ),
    nextOffset: q(
      orm
        .select({ next_offset: parts.nextOffset })
        .from(parts)
        .where(eq(parts.id, p('id'))),
      ['id'],
    ),
    setNextOffset: q(
      orm
        .update(parts)
        .set({ nextOffset: sql`${p('next')}` })
        .where(eq(parts.id, p('id'))),
      ['next', 'id'],
    ),
    insertMessage: q(
      orm.insert(m).values({
        id: p('id'),
        key: p('key'),
        value: p('value'),
        headers: p('headers'),
        timestamp: p('timestamp'),
      }),
      ['id', 'key', 'value', 'headers', 'timestamp'],
    ),
    readMessages,
    deleteMessages: q(orm.delete(m).where(and(gte(m.id, p('from')), lt(m.id, p('to')))), ['from', 'to']),
    upsertOffset: q(
      orm
        .insert(offsets)
        .values({
          groupId: p('group'),
          topic: p('topic'),
          partition: p('partition'),
          nextOffset: p('next'),
          committedAt: p('at'),
        })
        .onConflictDoUpdate({
          target: [offsets.groupId, offsets.topic, offsets.partition],
          set: { nextOffset: sql`excluded.next_offset`, committedAt: sql`excluded.committed_at` },
        }),
      ['group', 'topic', 'partition', 'next', 'at'],
    ),
    committed: q(
      orm
        .select({ partition: offsets.partition, next_offset: offsets.nextOffset })
        .from(offsets)
        .where(and(eq(offsets.groupId, p('group')), eq(offsets.topic, p('topic')))),
      ['group', 'topic'],
    ),
    upsertMember: q(
      orm
        .insert(members)
        .values({
          groupId: p('group'),
          memberId: p('member'),
          topics: p('topics'),
          pid: p('pid'),
          heartbeatAt: p('at'),
        })
        .onConflictDoUpdate({
          target: [members.groupId, members.memberId],
          set: { heartbeatAt: sql`excluded.heartbeat_at` },
        }),
      ['group', 'member', 'topics', 'pid', 'at'],
    ),
    members: q(
      orm
        .select({
          member_id: members.memberId,
          topics: members.topics,
          pid: members.pid,
          heartbeat_at: members.heartbeatAt,
        })
        .from(members)
        .where(eq(members.groupId, p('group')))
        .orderBy(asc(members.memberId)),
      ['group'],
    ),
    deleteMember: q(
      orm.delete(members).where(and(eq(members.groupId, p('group')), eq(members.memberId, p('member')))),
      ['group', 'member'],
    ),
    owners: q(
      orm
        .select({ topic: owners.topic, partition: owners.partition, member_id: owners.memberId })
        .from(owners)
        .where(eq(owners.groupId, p('group'))),
      ['group'],
    ),
    insertOwner: q(
      orm
        .insert(owners)
        .values({ groupId: p('group'), topic: p('topic'), partition: p('partition'), memberId: p('member') })
        .onConflictDoNothing(),
      ['group', 'topic', 'partition', 'member'],
    ),
    deleteOwner: q(
      orm
        .delete(owners)
        .where(
          and(
            eq(owners.groupId, p('group')),
            eq(owners.topic, p('topic')),
            eq(owners.partition, p('partition')),
            eq(owners.memberId, p('member')),
          ),
        ),
      ['group', 'topic', 'partition', 'member'],
    ),
    deleteOwnersOf: q(
      orm.delete(owners).where(and(eq(owners.groupId, p('group')), eq(owners.memberId, p('member')))),
      ['group', 'member'],
    ),
    // The row and parameter types each statement is declared with above, which its drizzle query selects.
  } as EmbeddedStore;
}
