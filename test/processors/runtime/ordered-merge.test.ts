import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createOrderedMerge,
  createRepeatFilter,
  producerHeaders,
} from '../../../processors/runtime/index.ts';
import type { LogRecord } from '../../../processors/runtime/index.ts';

const TOPICS = ['a', 'b', 'c'];

/** Input partitions: per (topic, partition) a list of timestamps, non-decreasing as a producer writes them. */
const inputs = fc.array(
  fc.record({
    topic: fc.constantFrom(...TOPICS),
    partition: fc.integer({ min: 0, max: 2 }),
    steps: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }),
  }),
  { minLength: 1, maxLength: 6 },
);

function recordsOf(spec: { topic: string; partition: number; steps: number[] }[]): Map<string, LogRecord[]> {
  const byPartition = new Map<string, LogRecord[]>();
  for (const { topic, partition, steps } of spec) {
    const key = `${topic}:${partition}`;
    if (byPartition.has(key)) continue;
    let time = 1_000;
    byPartition.set(
      key,
      steps.map((step, offset) => {
        time += step;
        return {
          topic,
          partition,
          offset,
          key: null,
          value: `${key}@${offset}`,
          headers: {},
          timestamp: time,
        };
      }),
    );
  }
  return byPartition;
}

/**
 * Run a merge to the end: deliveries come in an order and sizes chosen by `random` (as a consumer's fetches
 * would), `hasMore` knows the true end of every partition (recorded input). Returns the values taken.
 */
function runMerge(partitions: Map<string, LogRecord[]>, random: () => number, takeSize: number): string[] {
  const merge = createOrderedMerge({
    topicRank: (topic) => TOPICS.indexOf(topic),
    maxBufferedPerPartition: 7,
  });
  const position = new Map<string, number>();
  for (const [key, records] of partitions) {
    const [topic, partition] = key.split(':') as [string, string];
    merge.assign({ topic, partition: Number(partition) }, 0);
    position.set(key, 0);
    void records;
  }
  const taken: string[] = [];
  const total = [...partitions.values()].reduce((sum, records) => sum + records.length, 0);
  const hasMore = (topic: string, partition: number, next: number) =>
    next < (partitions.get(`${topic}:${partition}`)?.length ?? 0);
  for (let guard = 0; taken.length < total && guard < 100_000; guard += 1) {
    const keys = [...partitions.keys()].filter((key) => position.get(key)! < partitions.get(key)!.length);
    if (keys.length > 0) {
      const key = keys[Math.floor(random() * keys.length)]!;
      const from = position.get(key)!;
      const size = 1 + Math.floor(random() * 5);
      const records = partitions.get(key)!.slice(from, from + size);
      const pushed = merge.push({ topic: records[0]!.topic, partition: records[0]!.partition, records });
      position.set(key, pushed.accepted ? from + records.length : pushed.seekTo);
    }
    for (let batch = merge.take(takeSize, hasMore); batch.length > 0; batch = merge.take(takeSize, hasMore)) {
      taken.push(...batch.map((record) => record.value));
    }
  }
  return taken;
}

describe('the ordered merge', () => {
  it('takes every record once, in (timestamp, topic rank, partition) order, whatever the delivery order', () => {
    fc.assert(
      fc.property(inputs, fc.integer(), fc.integer({ min: 1, max: 9 }), (spec, seed, takeSize) => {
        const partitions = recordsOf(spec);
        let state = seed >>> 0 || 1;
        const random = () => {
          state = (state * 1_103_515_245 + 12_345) >>> 0;
          return state / 2 ** 32;
        };
        const expected = [...partitions.values()]
          .flat()
          .sort(
            (x, y) =>
              x.timestamp - y.timestamp ||
              TOPICS.indexOf(x.topic) - TOPICS.indexOf(y.topic) ||
              x.partition - y.partition ||
              x.offset - y.offset,
          )
          .map((record) => record.value);
        expect(runMerge(partitions, random, takeSize)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('waits for a partition that still has input rather than letting others overtake it', () => {
    const merge = createOrderedMerge({ topicRank: () => 0 });
    merge.assign({ topic: 'a', partition: 0 }, 0);
    merge.assign({ topic: 'b', partition: 0 }, 0);
    const record = (topic: string, offset: number, timestamp: number): LogRecord => ({
      topic,
      partition: 0,
      offset,
      key: null,
      value: `${topic}${offset}`,
      headers: {},
      timestamp,
    });
    merge.push({ topic: 'a', partition: 0, records: [record('a', 0, 5), record('a', 1, 9)] });
    // b has unread input but nothing delivered yet: nothing may be taken.
    expect(merge.take(10, (topic) => topic === 'b')).toEqual([]);
    merge.push({ topic: 'b', partition: 0, records: [record('b', 0, 7)] });
    const first = merge.take(10, (topic) => topic === 'b').map((r) => r.value);
    // b ran dry after its one record: the merge stops for the caller to look at b's end again.
    expect(first).toEqual(['a0', 'b0']);
    expect(merge.take(10, () => false).map((r) => r.value)).toEqual(['a1']);
  });

  it('refuses a delivery that is not contiguous or over the buffer bound, naming where to read again', () => {
    const merge = createOrderedMerge({ topicRank: () => 0, maxBufferedPerPartition: 2 });
    merge.assign({ topic: 'a', partition: 0 }, 3);
    const at = (offset: number): LogRecord => ({
      topic: 'a',
      partition: 0,
      offset,
      key: null,
      value: String(offset),
      headers: {},
      timestamp: offset,
    });
    expect(merge.push({ topic: 'a', partition: 0, records: [at(5)] })).toEqual({
      accepted: false,
      seekTo: 3,
    });
    expect(merge.push({ topic: 'a', partition: 0, records: [at(2), at(3), at(4)] })).toEqual({
      accepted: true,
    });
    expect(merge.push({ topic: 'a', partition: 0, records: [at(5)] })).toEqual({
      accepted: false,
      seekTo: 5,
    });
    expect(merge.buffered()).toBe(2);
  });
});

describe('the repeat filter', () => {
  const record = (producer: string, sequence: number, partition = 0): LogRecord => ({
    topic: 't',
    partition,
    offset: 0,
    key: null,
    value: '',
    headers: producerHeaders(producer, sequence),
    timestamp: 0,
  });

  it('skips what a producer sends again, per producer and input partition, and resumes from its state', () => {
    const filter = createRepeatFilter(undefined);
    expect([1, 2, 3].map((n) => filter.isRepeat(record('p', n)))).toEqual([false, false, false]);
    // p restarted and sent 2 and 3 again before 4; q's sequence is its own; another partition is its own.
    expect(filter.isRepeat(record('p', 2))).toBe(true);
    expect(filter.isRepeat(record('p', 3))).toBe(true);
    expect(filter.isRepeat(record('q', 1))).toBe(false);
    expect(filter.isRepeat(record('p', 1, 1))).toBe(false);
    expect(filter.isRepeat(record('p', 4))).toBe(false);
    const resumed = createRepeatFilter(JSON.parse(JSON.stringify(filter.state())));
    expect(resumed.isRepeat(record('p', 4))).toBe(true);
    expect(resumed.isRepeat(record('p', 5))).toBe(false);
  });

  it('lets records without producer headers through (raw input)', () => {
    const filter = createRepeatFilter(undefined);
    const raw: LogRecord = {
      topic: 't',
      partition: 0,
      offset: 0,
      key: null,
      value: '',
      headers: {},
      timestamp: 0,
    };
    expect(filter.isRepeat(raw)).toBe(false);
    expect(filter.isRepeat(raw)).toBe(false);
  });
});
