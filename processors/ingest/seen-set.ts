/**
 * The seen-set: raw event ids ingest has passed, per raw topic, with the log time they were seen at. A repeated
 * `eventId` within the retention is a duplicate. Whether an id counts as seen depends only on the record's own
 * timestamp, so when the set happens to be pruned never changes an answer (pruning is garbage collection).
 */
import type Database from 'better-sqlite3';
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { adoptDatabase, ingestSeen, placeholder as p, prepareRendered } from '../../schema/db/index.ts';
import type { SeenSet } from './transform.ts';

/** The seen-set over ingest's database, with pruning. */
export interface PrunableSeenSet extends SeenSet {
  /** Forget ids seen before `timestamp`; returns how many. */
  pruneBefore(timestamp: number): number;
}

/**
 * The seen-set in `sqlite` (ingest's state database, migrated as the `ingest` kind), remembering ids for
 * `retentionMs` of log time. Every raw record asks and tells it: drizzle-rendered SQL run raw
 * (schema/db/prepare-rendered.ts).
 */
export function createSeenSet(sqlite: Database.Database, retentionMs: number): PrunableSeenSet {
  const { db } = adoptDatabase(sqlite);
  const seen = prepareRendered(
    sqlite,
    db
      .select({ n: sql`1` })
      .from(ingestSeen)
      .where(
        and(
          eq(ingestSeen.topic, p('topic')),
          eq(ingestSeen.eventId, p('eventId')),
          gte(ingestSeen.seenAt, p('since')),
        ),
      ),
    ['topic', 'eventId', 'since'],
  );
  const add = prepareRendered(
    sqlite,
    db
      .insert(ingestSeen)
      .values({ topic: p('topic'), eventId: p('eventId'), seenAt: p('at') })
      .onConflictDoUpdate({
        target: [ingestSeen.topic, ingestSeen.eventId],
        set: { seenAt: sql`excluded.seen_at` },
      }),
    ['topic', 'eventId', 'at'],
  );
  return {
    has: (topic, eventId, timestamp) => seen.get(topic, eventId, timestamp - retentionMs) !== undefined,
    add: (topic, eventId, timestamp) => void add.run(topic, eventId, timestamp),
    pruneBefore: (timestamp) => db.delete(ingestSeen).where(lt(ingestSeen.seenAt, timestamp)).run().changes,
  };
}
