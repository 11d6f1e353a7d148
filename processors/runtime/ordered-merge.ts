/**
 * A deterministic merge of many input partitions into one processing order.
 *
 * A stage whose state spans several input partitions applies their records in some order, and the order
 * decides results: ingest keeps ONE state (identity links, consent, the seen-set) over every raw topic, so an
 * interaction applied before the loyalty record that links its device resolves to another subject than one
 * applied after it; the segments stage's consent withdrawal exits a subject at the watermark of the moment.
 * Delivery order is a matter of timing (which partition a consumer fetched first, where a killed process
 * resumed), so such stages do not apply records in delivery order. The merge buffers what the consumer
 * delivers per partition and hands out records in an order that is a function of the input alone — by
 * default (log timestamp, topic rank, topic, partition), or the caller's `compare` — and only while every
 * partition that still has unread input has a buffered head. A partition with nothing left to read (its
 * position is at its end offset) does not hold the merge up.
 *
 * On recorded input that makes the order, and so every output, independent of batch sizes, fetch order and of
 * where a killed process resumed. On live input a partition that was at its end may later receive records
 * that sort before ones already taken from others; they are applied when they come (the order is then the
 * arrival order, as in any stream processor that does not wait on an idle input — Kafka Streams'
 * `max.task.idle.ms`). Backlogs are replayed in timestamp order rather than one partition after another,
 * which also keeps event time roughly in order for the stages downstream.
 */
import type { Log, LogRecord, RecordBatch, TopicPartition } from './log.ts';
import { partitionKey } from './partition-key.ts';

/** Options of {@link createOrderedMerge}. */
export interface OrderedMergeOptions {
  /** Tie-break rank of each topic (lower first) for records with equal timestamps. */
  topicRank: (topic: string) => number;
  /**
   * Order of two heads of different partitions (negative: `a` first). Default: log timestamp; ties go to
   * the topic rank, then topic name, then partition.
   */
  compare?: (a: LogRecord, b: LogRecord) => number;
  /**
   * Records buffered per partition before a delivery is refused (the consumer is asked to deliver it again
   * later, so a partition far ahead of the others cannot fill memory). Default 1,500.
   */
  maxBufferedPerPartition?: number;
}

/** What the merge did with a delivered batch. */
export type PushResult = { accepted: true } | { accepted: false; seekTo: number };

/** The merge's view of one partition. */
interface PartitionBuffer {
  readonly topic: string;
  readonly partition: number;
  readonly rank: number;
  records: LogRecord[];
  head: number;
  /** Offset after the last buffered record (the next one the merge expects). */
  nextOffset: number;
}

/** A deterministic merge of partitions; see the file comment. */
export interface OrderedMerge {
  /** Start tracking a partition whose next record to apply is at `offset`. */
  assign(partition: TopicPartition, offset: number): void;
  /** Stop tracking partitions (their buffered records are dropped; they are read again by their next owner). */
  revoke(partitions: readonly TopicPartition[]): void;
  /** Buffer a delivered batch (records already buffered or applied are ignored). */
  push(batch: RecordBatch): PushResult;
  /** Tracked partitions whose buffer is empty, with the offset the merge expects next. */
  starved(): Array<TopicPartition & { nextOffset: number }>;
  /**
   * Take up to `max` records in merge order. `hasMore(topic, partition, nextOffset)` tells whether a partition
   * with an empty buffer still has unread input; taking stops before anything could overtake such a partition,
   * and as soon as a buffer runs empty (the caller checks end offsets again and calls once more).
   */
  take(max: number, hasMore: (topic: string, partition: number, nextOffset: number) => boolean): LogRecord[];
  /** Records buffered in all. */
  buffered(): number;
}

const keyOf = (topic: string, partition: number): string => partitionKey({ topic, partition });

/**
 * Create an ordered merge.
 *
 * @example
 * const merge = createOrderedMerge({ topicRank: (topic) => topics.indexOf(topic) });
 * merge.assign({ topic: 'a', partition: 0 }, 0);
 * merge.push(batch);
 * const records = merge.take(500, (topic, partition, next) => next < endOffsetOf(topic, partition));
 */
export function createOrderedMerge(options: OrderedMergeOptions): OrderedMerge {
  const maxBuffered = options.maxBufferedPerPartition ?? 1_500;
  const buffers = new Map<string, PartitionBuffer>();

  const remaining = (buffer: PartitionBuffer): number => buffer.records.length - buffer.head;

  const before = (a: PartitionBuffer, b: PartitionBuffer): boolean => {
    const left = a.records[a.head]!;
    const right = b.records[b.head]!;
    const compared = options.compare?.(left, right) ?? left.timestamp - right.timestamp;
    if (compared !== 0) return compared < 0;
    if (a.rank !== b.rank) return a.rank < b.rank;
    if (a.topic !== b.topic) return a.topic < b.topic;
    return a.partition < b.partition;
  };

  return {
    assign({ topic, partition }, offset) {
      buffers.set(keyOf(topic, partition), {
        topic,
        partition,
        rank: options.topicRank(topic),
        records: [],
        head: 0,
        nextOffset: offset,
      });
    },
    revoke(partitions) {
      for (const { topic, partition } of partitions) buffers.delete(keyOf(topic, partition));
    },
    push(batch) {
      const buffer = buffers.get(keyOf(batch.topic, batch.partition));
      if (buffer === undefined) return { accepted: true };
      const fresh = batch.records.filter((record) => record.offset >= buffer.nextOffset);
      if (fresh.length === 0) return { accepted: true };
      // Not contiguous (a gap: the consumer was elsewhere) or too much held already: read it again later.
      if (fresh[0]!.offset !== buffer.nextOffset || remaining(buffer) >= maxBuffered) {
        return { accepted: false, seekTo: buffer.nextOffset };
      }
      if (buffer.head > 0) {
        buffer.records = buffer.records.slice(buffer.head);
        buffer.head = 0;
      }
      for (const record of fresh) buffer.records.push(record);
      buffer.nextOffset = fresh[fresh.length - 1]!.offset + 1;
      return { accepted: true };
    },
    starved() {
      return [...buffers.values()]
        .filter((buffer) => remaining(buffer) === 0)
        .map(({ topic, partition, nextOffset }) => ({ topic, partition, nextOffset }));
    },
    take(max, hasMore) {
      const taken: LogRecord[] = [];
      const all = [...buffers.values()];
      if (
        all.some(
          (buffer) => remaining(buffer) === 0 && hasMore(buffer.topic, buffer.partition, buffer.nextOffset),
        )
      )
        return taken;
      const live = all.filter((buffer) => remaining(buffer) > 0);
      while (taken.length < max && live.length > 0) {
        let best = 0;
        for (let index = 1; index < live.length; index += 1)
          if (before(live[index]!, live[best]!)) best = index;
        const buffer = live[best]!;
        taken.push(buffer.records[buffer.head]!);
        buffer.head += 1;
        if (remaining(buffer) === 0) {
          buffer.records = [];
          buffer.head = 0;
          // Whether it has more is for the caller to check against fresh end offsets.
          break;
        }
      }
      return taken;
    },
    buffered: () => [...buffers.values()].reduce((sum, buffer) => sum + remaining(buffer), 0),
  };
}

/**
 * Take up to `max` records from `merge` in merge order, looking again at the log's end offsets of any input
 * that ran dry (`knownEnds`, keyed by `partitionKey`, is the caller's cache across calls: an end seen above a
 * partition's next offset is still above it, so only partitions that look drained are asked about again).
 *
 * @example
 * const knownEnds = new Map<string, number>();
 * const records = await takeMerged(log, merge, knownEnds, 500);
 */
export async function takeMerged(
  log: Log,
  merge: OrderedMerge,
  knownEnds: Map<string, number>,
  max: number,
): Promise<LogRecord[]> {
  const endOf = (topic: string, partition: number): number =>
    knownEnds.get(partitionKey({ topic, partition })) ?? 0;
  const records: LogRecord[] = [];
  for (;;) {
    const stale = new Set<string>();
    for (const { topic, partition, nextOffset } of merge.starved()) {
      if (endOf(topic, partition) <= nextOffset) stale.add(topic);
    }
    for (const topic of stale) {
      const ends = await log.endOffsets(topic);
      for (const [partition, end] of ends.entries()) knownEnds.set(partitionKey({ topic, partition }), end);
    }
    const taken = merge.take(
      max - records.length,
      (topic, partition, next) => endOf(topic, partition) > next,
    );
    records.push(...taken);
    if (taken.length === 0 || records.length >= max) return records;
  }
}
