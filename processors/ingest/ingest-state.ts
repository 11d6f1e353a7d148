/**
 * Ingest's own SQLite state beside identity and consent, in the same file: the seen-set of event ids, the next
 * input offset per partition, persistent counters, and an outbox of outputs not yet produced. One transaction
 * per batch writes all of it, so a restart resumes exactly where the state is.
 */
import type Database from 'better-sqlite3';
import { newProducerEpoch } from '../runtime/index.ts';
import type { TopicPartition, TopicPartitionOffset } from '../runtime/index.ts';
import type { IngestOutput } from './outputs.ts';
import type { SeenSet } from './transform.ts';

/** Persistent counters of ingest. */
export interface IngestCounters {
  /** Raw records consumed (every outcome). */
  processed: number;
  /** Clean events written to `cleanroom.events`. */
  events: number;
  /** Records refused to `cleanroom.dead-letter`. */
  deadLettered: number;
  /** Repeated event ids dropped. */
  duplicates: number;
  /** Consent changes written to `cleanroom.consent`. */
  consentChanges: number;
  /** Campaign records written to `cleanroom.campaigns`. */
  campaigns: number;
}

const COUNTER_NAMES = [
  'processed',
  'events',
  'deadLettered',
  'duplicates',
  'consentChanges',
  'campaigns',
] as const;

/** A produced-later output as stored in the outbox. */
export interface OutboxRow {
  id: number;
  topic: string;
  key: string | null;
  value: string;
  output_id: string;
}

/** Ingest's state tables. */
export interface IngestState {
  seen: SeenSet;
  storedOffsets(assigned: TopicPartition[]): TopicPartitionOffset[];
  saveOffset(position: TopicPartitionOffset): void;
  enqueue(outputs: IngestOutput[]): void;
  pending(limit: number): OutboxRow[];
  markProduced(lastId: number): void;
  addCounters(delta: Partial<IngestCounters>): void;
  counters(): IngestCounters;
  /** Forget event ids seen before `timestamp` (bounded retention of the seen-set). */
  pruneSeen(beforeTimestamp: number): number;
  /** Epoch of the outbox's sequence numbers (part of the producer id of every output). */
  readonly producerEpoch: string;
}

/** Options of {@link openIngestState}. */
export interface IngestStateOptions {
  /** How long a seen event id counts, by log timestamp (default 7 days). */
  seenRetentionMs?: number;
}

/** Create ingest's tables in `db` (idempotent). */
export function openIngestState(db: Database.Database, options: IngestStateOptions = {}): IngestState {
  const retentionMs = options.seenRetentionMs ?? 7 * 86_400_000;
  db.exec(`
    CREATE TABLE IF NOT EXISTS ingest_seen (
      topic TEXT NOT NULL, event_id TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (topic, event_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ingest_seen_at ON ingest_seen (seen_at);
    CREATE TABLE IF NOT EXISTS ingest_offsets (
      topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL, PRIMARY KEY (topic, partition)
    );
    CREATE TABLE IF NOT EXISTS ingest_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, key TEXT, value TEXT NOT NULL, output_id TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ingest_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS ingest_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
  // The epoch of this state's outbox sequence (a new state file starts its sequence again under a new epoch).
  db.prepare('INSERT OR IGNORE INTO ingest_meta (name, value) VALUES (?, ?)').run(
    'producerEpoch',
    newProducerEpoch(),
  );
  const producerEpoch = (
    db.prepare('SELECT value FROM ingest_meta WHERE name = ?').get('producerEpoch') as { value: string }
  ).value;
  const statements = {
    seen: db.prepare<[string, string, number], { n: number }>(
      'SELECT 1 AS n FROM ingest_seen WHERE topic = ? AND event_id = ? AND seen_at >= ?',
    ),
    addSeen: db.prepare(
      `INSERT INTO ingest_seen (topic, event_id, seen_at) VALUES (?, ?, ?)
       ON CONFLICT (topic, event_id) DO UPDATE SET seen_at = excluded.seen_at`,
    ),
    prune: db.prepare('DELETE FROM ingest_seen WHERE seen_at < ?'),
    offset: db.prepare<[string, number], { next_offset: number }>(
      'SELECT next_offset FROM ingest_offsets WHERE topic = ? AND partition = ?',
    ),
    saveOffset: db.prepare(
      `INSERT INTO ingest_offsets (topic, partition, next_offset) VALUES (?, ?, ?)
       ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset`,
    ),
    enqueue: db.prepare('INSERT INTO ingest_outbox (topic, key, value, output_id) VALUES (?, ?, ?, ?)'),
    pending: db.prepare<[number], OutboxRow>(
      'SELECT id, topic, key, value, output_id FROM ingest_outbox ORDER BY id LIMIT ?',
    ),
    produced: db.prepare('DELETE FROM ingest_outbox WHERE id <= ?'),
    addCounter: db.prepare(
      `INSERT INTO ingest_counters (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
    ),
    counters: db.prepare<[], { name: string; value: number }>('SELECT name, value FROM ingest_counters'),
  };
  return {
    seen: {
      has: (topic, eventId, timestamp) =>
        statements.seen.get(topic, eventId, timestamp - retentionMs) !== undefined,
      add: (topic, eventId, timestamp) => void statements.addSeen.run(topic, eventId, timestamp),
    },
    storedOffsets: (assigned) =>
      assigned.flatMap(({ topic, partition }) => {
        const row = statements.offset.get(topic, partition);
        return row === undefined ? [] : [{ topic, partition, offset: row.next_offset }];
      }),
    saveOffset: ({ topic, partition, offset }) => void statements.saveOffset.run(topic, partition, offset),
    enqueue(outputs) {
      for (const output of outputs) {
        statements.enqueue.run(output.topic, output.key, JSON.stringify(output.value), output.outputId);
      }
    },
    pending: (limit) => statements.pending.all(limit),
    markProduced: (lastId) => void statements.produced.run(lastId),
    addCounters(delta) {
      for (const name of COUNTER_NAMES) {
        const value = delta[name];
        if (value !== undefined && value !== 0) statements.addCounter.run(name, value);
      }
    },
    counters() {
      const counters: IngestCounters = {
        processed: 0,
        events: 0,
        deadLettered: 0,
        duplicates: 0,
        consentChanges: 0,
        campaigns: 0,
      };
      for (const row of statements.counters.all()) {
        if ((COUNTER_NAMES as readonly string[]).includes(row.name)) {
          counters[row.name as keyof IngestCounters] = row.value;
        }
      }
      return counters;
    },
    pruneSeen: (beforeTimestamp) => statements.prune.run(beforeTimestamp).changes,
    producerEpoch,
  };
}
