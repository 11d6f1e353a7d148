/**
 * The one log interface every arrow in the pipeline goes through (DESIGN.md section 2).
 *
 * Two implementations share these semantics: the embedded log (SQLite-backed, in-process wake-ups) and the
 * Kafka log (kafkajs). Topics have N partitions; a keyed message lands in the partition Kafka's murmur2
 * partitioner picks, so a key lands in the same partition on both. Offsets are per partition and start at 0.
 * Consumer groups commit the *next* offset to read, as Kafka does.
 */

import type { LogError } from './errors.ts';

/** Which implementation a log is. */
export type LogKind = 'embedded' | 'kafka';

/** A message to produce. `value` is UTF-8 text (JSON for every topic of ours). */
export interface ProduceMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
  /** Pin a partition; otherwise murmur2(key) or round-robin for a null key. */
  partition?: number;
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
}

/** Where a produced message landed. */
export interface ProduceResult {
  topic: string;
  partition: number;
  offset: number;
}

/** A stored message as a consumer sees it. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  timestamp: number;
}

/** Records of one partition handed to a consumer in offset order. */
export interface RecordBatch {
  topic: string;
  partition: number;
  records: LogRecord[];
}

/** A topic and partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A topic, partition and offset (for commits and seeks: the next offset to read). */
export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

/** Options of a topic created on demand. */
export interface TopicOptions {
  partitions?: number;
  /** Keep only the latest value per key (Kafka's `cleanup.policy=compact`). */
  compacted?: boolean;
}

/**
 * How an embedded topic's records go (the log's `clean`; embedded-cleaner.ts says how each works). On Kafka the
 * broker's topic configuration does this (`retention.ms`, `retention.bytes`, `cleanup.policy`).
 */
export interface TopicCleanup {
  /** Delete records older than this (ms, by record timestamp). */
  retentionMs?: number;
  /**
   * Keep at most this many bytes per partition, deleting the oldest first (on a compacted topic: of the records
   * with no compaction key).
   */
  retentionBytes?: number;
  /**
   * Compact the topic: keep only the latest record of each key this returns (null: the record is not compacted
   * and goes by `retentionMs`). `(record) => record.key` is Kafka's compaction.
   */
  compactionKey?: (record: { key: string | null; value: string }) => string | null;
  /** A replaced record is compacted away only once it is at least this old (ms, default 0). */
  minCompactionLagMs?: number;
  /**
   * A consumer group that committed offsets on the topic holds every record at or after them, unless it has not
   * committed for this long (ms, default: it always holds).
   */
  readerIdleMs?: number;
  /** The clock (ms), for tests. */
  now?: number;
}

/** What one cleaning of a topic did. */
export interface TopicCleanupReport {
  topic: string;
  /** Records deleted by time or size. */
  deleted: number;
  /** Records deleted because a later record has their compaction key. */
  compacted: number;
  /** Bytes the topic holds after cleaning (key + value + headers). */
  bytes: number;
  /** Consumer groups whose committed offsets kept records that retention would have deleted. */
  heldBy: string[];
}

/** Options of a consumer. */
export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts: the beginning (default) or the end. */
  fromBeginning?: boolean;
  /**
   * Commit the batch's next offset after the handler resolves (default true: at-least-once).
   * Processors that keep offsets beside their state in one transaction set this to false.
   */
  autoCommit?: boolean;
  /** Largest number of records in one batch (default 500). */
  maxBatchSize?: number;
  /**
   * Called when partitions are assigned, before any record of them is delivered. Returning offsets seeks
   * there (a processor resuming from the offsets stored with its state).
   */
  onAssign?: (
    assigned: TopicPartition[],
  ) => Promise<TopicPartitionOffset[] | void> | TopicPartitionOffset[] | void;
  /** Called when partitions are taken away (rebalance or stop). */
  onRevoke?: (revoked: TopicPartition[]) => Promise<void> | void;
  /**
   * Called when a handler call fails (the batch is retried after a back-off, never skipped) or the consumer
   * meets a log error it recovers from. Without it such errors are silent apart from the retry.
   */
  onError?: (error: LogError) => void;
}

/** A member of a consumer group. */
export interface LogConsumer {
  /**
   * Start delivering batches; resolves once the consumer has joined its group (and `onAssign` has run for
   * its first partitions). A handler that throws gets the same batch again after a back-off.
   */
  run(handler: (batch: RecordBatch) => Promise<void>): Promise<void>;
  /** Commit next offsets to read for this consumer's group. */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** Move a partition's position; the next batch of it starts at `offset`. */
  seek(position: TopicPartitionOffset): void;
  /** Partitions currently assigned to this member. */
  assignments(): TopicPartition[];
  /**
   * Leave the group; in-flight handler calls finish first (so a handler must not await its own consumer's
   * `stop()`). `onRevoke` is called for the partitions held.
   */
  stop(): Promise<void>;
}

/** The log: topics, keyed partitioning, batch produce, consumer groups. */
export interface Log {
  readonly kind: LogKind;
  /** Create a topic if it does not exist (idempotent). */
  createTopic(topic: string, options?: TopicOptions): Promise<void>;
  /** Number of partitions of a topic (creating it with the default count if needed). */
  partitionsFor(topic: string): Promise<number>;
  /** Append messages; per-partition order is the order given. */
  produce(topic: string, messages: ProduceMessage[]): Promise<ProduceResult[]>;
  /** A new consumer-group member. */
  consumer(options: ConsumerOptions): LogConsumer;
  /** Next offset to be written per partition (Kafka's high watermark), indexed by partition. */
  endOffsets(topic: string): Promise<number[]>;
  /** Committed next offsets of a group per partition (-1 where none), indexed by partition. */
  committedOffsets(groupId: string, topic: string): Promise<number[]>;
  /**
   * Delete every record of `topic` below `before[partition]` (a partition without an entry, or with -1, keeps
   * all); returns how many were deleted. Only the embedded log has it: on Kafka the product does not own the
   * topics, and a topic's `retention.ms` set on the broker is how its records go (docs/operations.md).
   */
  deleteRecordsBefore?(topic: string, before: number[]): Promise<number>;
  /**
   * Apply retention and compaction to `topic` now (processors/runtime/log-cleaner.ts runs it on a timer). Only
   * the embedded log has it, for the reason `deleteRecordsBefore` gives.
   */
  clean?(topic: string, cleanup: TopicCleanup): Promise<TopicCleanupReport>;
  /** Whether the log answers right now (for `/readyz`). */
  ping(): Promise<boolean>;
  /** Release connections and files. */
  close(): Promise<void>;
}
