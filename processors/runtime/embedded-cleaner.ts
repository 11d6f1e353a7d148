/**
 * Retention and compaction of the embedded log's topics (private to processors/runtime; the log's `clean`).
 *
 * Three ways a record goes, each per partition, as Kafka's log cleaner does them:
 * - **time**: records whose timestamp is older than `retentionMs`, from the start of the partition up to the first
 *   younger one (a prefix, as Kafka deletes whole segments);
 * - **size**: the oldest records while the partition holds more than `retentionBytes` (key + value + headers);
 * - **compaction** (when the topic has a `compactionKey`): a record whose compaction key has a later record in the
 *   same partition, once it is older than `minCompactionLagMs`. A record the function gives no key goes by
 *   `retentionMs` and, while such records hold more than `retentionBytes` in the partition, oldest first (a topic
 *   that mixes latest-value rows with events). The rows themselves are never deleted by age or size.
 *
 * Unlike Kafka, nothing at or after the committed offset of a consumer group reading the topic (a stage of the
 * pipeline) is deleted or compacted, unless that group has not committed for `readerIdleMs`: a stage that falls
 * behind loses nothing; it holds its input instead (the report names it, and its lag shows on `/metrics`). On a
 * stream, a group with a live member that has not committed on a partition yet holds all of it. A reader that
 * never commits (the gateway rebuilding its read models from compacted topics) holds nothing: it needs only
 * the latest rows, which compaction keeps.
 *
 * In memory, per partition: the bytes counted up to some offset and, for compacted topics, the latest record of
 * each compaction key; after a restart one scan rebuilds them, then each pass reads only new records. Another
 * process's deletions are caught by a full recount every {@link RECOUNT_EVERY} passes.
 */
import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import { logGroupMembers, logGroupOffsets, logMessages } from '../../schema/db/index.ts';
import type { EmbeddedStore } from './embedded-store.ts';
import { OFFSET_SPACE } from './embedded-store.ts';
import type { TopicCleanup, TopicCleanupReport } from './log.ts';

/** Passes between full recounts of a partition's bytes and keys. */
export const RECOUNT_EVERY = 60;
/** A member that heartbeat within this long is live (its consumer heartbeats every half second by default). */
const LIVE_MEMBER_MS = 30_000;
/** Rows read per query while scanning. */
const SCAN_CHUNK = 5_000;

/** A record the cleaner remembers: offset, timestamp, bytes. */
interface Kept {
  offset: number;
  timestamp: number;
  bytes: number;
}

interface PartitionBook {
  /** Records below this offset are counted in `bytes` (and, when compacting, indexed). */
  through: number;
  bytes: number;
  /** Compaction key → its latest record. */
  latest: Map<string, Kept>;
  /** Records a later one of the same compaction key replaced, in the order they were replaced. */
  superseded: Kept[];
  /** Records with no compaction key, in offset order. */
  keyless: Kept[];
  passes: number;
}

/** A partition of a topic: its row id, number and next offset. */
export interface CleanerPartition {
  id: number;
  partition: number;
  next_offset: number;
}

/** The cleaner of one embedded log. */
export interface EmbeddedCleaner {
  /** Apply `policy` to the partitions of `topic` now (synchronously, in short transactions). */
  clean(topic: string, partitions: CleanerPartition[], policy: TopicCleanup): TopicCleanupReport;
  /** Forget what was counted of a partition (records of it were deleted by other means). */
  forget(partitionId: number): void;
}

const recordBytes = sql<number>`length(${logMessages.value}) + coalesce(length(${logMessages.key}), 0) + coalesce(length(${logMessages.headers}), 0)`;

const newBook = (): PartitionBook => ({
  through: 0,
  bytes: 0,
  latest: new Map(),
  superseded: [],
  keyless: [],
  passes: 0,
});

/** Create the cleaner over the log's store. */
export function createEmbeddedCleaner(store: EmbeddedStore): EmbeddedCleaner {
  const { orm } = store;
  const m = logMessages;
  const books = new Map<number, PartitionBook>();
  const rowId = (partitionId: number, offset: number) => partitionId * OFFSET_SPACE + offset;
  const inPartition = (partitionId: number, from: number, to: number) =>
    and(gte(m.id, rowId(partitionId, from)), lt(m.id, rowId(partitionId, to)));

  /** The first offset in [0, end) whose record is not older than `cutoff` (end when none). */
  const firstNotOlderThan = (partitionId: number, end: number, cutoff: number): number => {
    const row = orm
      .select({ id: m.id })
      .from(m)
      .where(and(inPartition(partitionId, 0, end), gte(m.timestamp, cutoff)))
      .orderBy(asc(m.id))
      .limit(1)
      .get();
    return row === undefined ? end : row.id - rowId(partitionId, 0);
  };

  /** The offset below which the oldest records add up to at least `excess` bytes. */
  const sizeCutoff = (partitionId: number, end: number, excess: number): number => {
    let removed = 0;
    let from = 0;
    for (;;) {
      const rows = orm
        .select({ id: m.id, bytes: recordBytes })
        .from(m)
        .where(inPartition(partitionId, from, end))
        .orderBy(asc(m.id))
        .limit(SCAN_CHUNK)
        .all();
      if (rows.length === 0) return end;
      for (const row of rows) {
        removed += row.bytes;
        if (removed >= excess) return row.id - rowId(partitionId, 0) + 1;
      }
      from = rows[rows.length - 1]!.id - rowId(partitionId, 0) + 1;
    }
  };

  /** Read the records in [book.through, end): count their bytes and, when compacting, index their keys. */
  const scan = (partitionId: number, book: PartitionBook, end: number, policy: TopicCleanup): void => {
    const { compactionKey } = policy;
    while (book.through < end) {
      const rows = orm
        .select({ id: m.id, key: m.key, value: m.value, timestamp: m.timestamp, bytes: recordBytes })
        .from(m)
        .where(inPartition(partitionId, book.through, end))
        .orderBy(asc(m.id))
        .limit(SCAN_CHUNK)
        .all();
      if (rows.length === 0) {
        book.through = end;
        return;
      }
      for (const row of rows) {
        book.bytes += row.bytes;
        if (compactionKey === undefined) continue;
        const kept = { offset: row.id - rowId(partitionId, 0), timestamp: row.timestamp, bytes: row.bytes };
        const key = compactionKey({ key: row.key, value: row.value });
        if (key === null) {
          book.keyless.push(kept);
          continue;
        }
        const previous = book.latest.get(key);
        if (previous !== undefined) book.superseded.push(previous);
        book.latest.set(key, kept);
      }
      book.through = rows[rows.length - 1]!.id - rowId(partitionId, 0) + 1;
    }
  };

  /** Delete single records; returns how many existed and the bytes they held. */
  const deleteEach = (partitionId: number, records: Kept[]): { count: number; bytes: number } =>
    orm.transaction((tx) => {
      let count = 0;
      let bytes = 0;
      for (const record of records) {
        const changes = tx
          .delete(m)
          .where(eq(m.id, rowId(partitionId, record.offset)))
          .run().changes;
        count += changes;
        if (changes > 0) bytes += record.bytes;
      }
      return { count, bytes };
    });

  /** Split `records` into those `due` says go (below `limit`) and the rest. */
  const takeDue = (records: Kept[], limit: number, due: (record: Kept) => boolean): [Kept[], Kept[]] => {
    const go: Kept[] = [];
    const stay: Kept[] = [];
    for (const record of records) (record.offset < limit && due(record) ? go : stay).push(record);
    return [go, stay];
  };

  return {
    forget(partitionId) {
      books.delete(partitionId);
    },
    clean(topic, partitions, policy) {
      const now = policy.now ?? Date.now();
      const report: TopicCleanupReport = { topic, deleted: 0, compacted: 0, bytes: 0, heldBy: [] };
      const idleBefore = now - (policy.readerIdleMs ?? Number.POSITIVE_INFINITY);
      const readers: Array<{ groupId: string; partition: number; next: number }> = orm
        .select({
          groupId: logGroupOffsets.groupId,
          partition: logGroupOffsets.partition,
          next: logGroupOffsets.nextOffset,
          at: logGroupOffsets.committedAt,
        })
        .from(logGroupOffsets)
        .where(eq(logGroupOffsets.topic, topic))
        .all()
        .filter((reader) => reader.at >= idleBefore);
      // On a stream, a live member of a group that has committed nothing on a partition yet holds that partition
      // from its beginning. Not on a compacted topic: readers that never commit (the gateway rebuilding its read
      // models) need only the latest rows, and the stages commit as soon as they join (processor-host.ts).
      const liveGroups = new Set(
        policy.compactionKey !== undefined
          ? []
          : orm
              .select({ groupId: logGroupMembers.groupId, topics: logGroupMembers.topics })
              .from(logGroupMembers)
              .where(gte(logGroupMembers.heartbeatAt, now - LIVE_MEMBER_MS))
              .all()
              .filter((member) => (JSON.parse(member.topics) as string[]).includes(topic))
              .map((member) => member.groupId),
      );
      for (const groupId of liveGroups) {
        for (const { partition } of partitions) {
          const committed = readers.some((r) => r.groupId === groupId && r.partition === partition);
          if (!committed) readers.push({ groupId, partition, next: 0 });
        }
      }
      /** `wanted` lowered to the committed offsets of the topic's readers (named in the report when they hold). */
      const holds = (partition: number, wanted: number, tell: boolean): number => {
        let limit = wanted;
        for (const reader of readers) {
          if (reader.partition !== partition || reader.next >= limit) continue;
          limit = Math.max(0, reader.next);
          if (tell && !report.heldBy.includes(reader.groupId)) report.heldBy.push(reader.groupId);
        }
        return limit;
      };

      for (const { id, partition, next_offset: end } of partitions) {
        let book = books.get(id);
        // A partition seen for the first time, recreated (its end went back), or due for a recount.
        if (book === undefined || end < book.through || book.passes >= RECOUNT_EVERY) {
          book = newBook();
          books.set(id, book);
        }
        book.passes += 1;
        scan(id, book, end, policy);
        const current = book;

        if (policy.compactionKey === undefined) {
          let wanted = 0;
          if (policy.retentionMs !== undefined) wanted = firstNotOlderThan(id, end, now - policy.retentionMs);
          if (policy.retentionBytes !== undefined && current.bytes > policy.retentionBytes)
            wanted = Math.max(wanted, sizeCutoff(id, end, current.bytes - policy.retentionBytes));
          const before = holds(partition, wanted, true);
          if (before > 0) {
            const { deleted, bytes } = orm.transaction((tx) => {
              const freed =
                tx
                  .select({ bytes: sql<number>`coalesce(sum(${recordBytes}), 0)` })
                  .from(m)
                  .where(inPartition(id, 0, before))
                  .get()?.bytes ?? 0;
              return {
                bytes: freed,
                deleted: tx
                  .delete(m)
                  .where(inPartition(id, 0, before))
                  .run().changes,
              };
            });
            report.deleted += deleted;
            current.bytes -= bytes;
          }
        } else {
          const limit = holds(partition, end, false);
          const lagCutoff = now - (policy.minCompactionLagMs ?? 0);
          const [stale, superseded] = takeDue(current.superseded, limit, (r) => r.timestamp <= lagCutoff);
          const retention = policy.retentionMs;
          const [expired, keyless] =
            retention === undefined
              ? [[], current.keyless]
              : takeDue(current.keyless, limit, (r) => r.timestamp < now - retention);
          // Keyless records also go oldest first while the partition's keyless records hold more than the limit.
          if (policy.retentionBytes !== undefined) {
            let keylessBytes = keyless.reduce((sum, record) => sum + record.bytes, 0);
            while (keylessBytes > policy.retentionBytes && keyless.length > 0 && keyless[0]!.offset < limit) {
              const oldest = keyless.shift()!;
              keylessBytes -= oldest.bytes;
              expired.push(oldest);
            }
          }
          current.superseded = superseded;
          current.keyless = keyless;
          const compacted = deleteEach(id, stale);
          const deleted = deleteEach(id, expired);
          report.compacted += compacted.count;
          report.deleted += deleted.count;
          current.bytes -= compacted.bytes + deleted.bytes;
        }
        report.bytes += current.bytes;
      }
      return report;
    },
  };
}
