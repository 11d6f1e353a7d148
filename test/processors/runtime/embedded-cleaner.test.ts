/**
 * Retention and compaction of the embedded log (`clean`), on real SQLite files: by age (a prefix), by size, by
 * compaction key with its lag, and never past a reader's committed offset.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedLog, createLogCleaner } from '../../../processors/runtime/index.ts';
import type { Log, LogRecord, TopicCleanup } from '../../../processors/runtime/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const opened: Array<{ log: Log; dir: string }> = [];

afterEach(async () => {
  for (const { log, dir } of opened.splice(0)) {
    await log.close();
    removeTempDir(dir);
  }
});

function openLog(dir = createTempDir('cleaner')): { log: Log; dir: string; path: string } {
  const path = `${dir}/log.sqlite`;
  const log = createEmbeddedLog({ path });
  opened.push({ log, dir });
  return { log, dir, path };
}

/**
 * Every record of a topic still in the file, read through the log's own consumer (partition by partition, in
 * offset order). Each partition's last record must still be there: it is what the read waits for.
 */
async function remaining(log: Log, topic: string): Promise<LogRecord[]> {
  const ends = await log.endOffsets(topic);
  const seen = new Map<number, LogRecord[]>();
  const consumer = log.consumer({ groupId: `read-${randomUUID()}`, topics: [topic], autoCommit: false });
  await consumer.run(async (batch) => {
    seen.set(batch.partition, [...(seen.get(batch.partition) ?? []), ...batch.records]);
  });
  const done = () => ends.every((end, p) => end === 0 || seen.get(p)?.at(-1)?.offset === end - 1);
  const deadline = Date.now() + 10_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await consumer.stop();
  if (!done()) throw new Error(`the last records of ${topic} did not arrive`);
  return ends.flatMap((_, p) => seen.get(p) ?? []);
}

const sumBytes = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    const row = db
      .prepare(
        'SELECT coalesce(sum(length(value) + coalesce(length(key), 0) + coalesce(length(headers), 0)), 0) AS b FROM log_messages',
      )
      .get() as { b: number };
    return row.b;
  } finally {
    db.close();
  }
};

describe('retention by age', () => {
  it('deletes the old prefix of a partition, up to the first record that is young enough', async () => {
    const { log } = openLog();
    await log.createTopic('t', { partitions: 1 });
    const now = 1_000_000_000;
    const stamps = [now - 50_000, now - 40_000, now - 5_000, now - 60_000, now - 1_000];
    await log.produce(
      't',
      stamps.map((timestamp, index) => ({ key: `k${index}`, value: `v${index}`, timestamp })),
    );
    const report = await log.clean!('t', { retentionMs: 10_000, now });
    // Offsets 0 and 1 are old; 2 is young and holds 3 (old, but behind a young one) in place, as a segment would.
    expect(report.deleted).toBe(2);
    expect((await remaining(log, 't')).map((record) => record.offset)).toEqual([2, 3, 4]);
    expect(await log.endOffsets('t')).toEqual([5]);
  });
});

describe('retention by size', () => {
  it('keeps a partition under its byte limit by deleting its oldest records, and counts bytes exactly', async () => {
    const { log, path } = openLog();
    await log.createTopic('t', { partitions: 1 });
    // Each record is 2 (key) + 98 (value) = 100 bytes.
    const record = (index: number) => ({ key: String(index % 100).padStart(2, '0'), value: 'x'.repeat(98) });
    await log.produce(
      't',
      Array.from({ length: 50 }, (_, index) => record(index)),
    );
    const first = await log.clean!('t', { retentionBytes: 2_000 });
    expect(first.deleted).toBe(30);
    expect(first.bytes).toBe(2_000);
    expect(sumBytes(path)).toBe(2_000);
    await log.produce(
      't',
      Array.from({ length: 5 }, (_, index) => record(index)),
    );
    const second = await log.clean!('t', { retentionBytes: 2_000 });
    expect(second.deleted).toBe(5);
    expect(second.bytes).toBe(sumBytes(path));
    expect((await remaining(log, 't')).map((r) => r.offset)).toEqual(
      Array.from({ length: 20 }, (_, i) => 35 + i),
    );
  });
});

describe('readers hold their input', () => {
  it('never deletes at or past a committed offset of a group, unless the group has been silent too long', async () => {
    const { log } = openLog();
    await log.createTopic('t', { partitions: 1 });
    const now = Date.now();
    await log.produce(
      't',
      Array.from({ length: 10 }, (_, index) => ({ key: null, value: `v${index}`, timestamp: now - 100_000 })),
    );
    const reader = log.consumer({ groupId: 'stage-a', topics: ['t'], autoCommit: false });
    await reader.commit([{ topic: 't', partition: 0, offset: 4 }]);
    await reader.stop();
    const held = await log.clean!('t', { retentionMs: 1_000, now, readerIdleMs: 60_000 });
    expect(held.deleted).toBe(4);
    expect(held.heldBy).toEqual(['stage-a']);
    expect((await remaining(log, 't'))[0]!.offset).toBe(4);
    // An hour later the group has not committed again: it no longer holds.
    const later = await log.clean!('t', { retentionMs: 1_000, now: now + 3_600_000, readerIdleMs: 60_000 });
    expect(later.deleted).toBe(6);
    expect(later.heldBy).toEqual([]);
  });
});

describe('compaction', () => {
  const byKey: TopicCleanup['compactionKey'] = ({ value }) => {
    const parsed = JSON.parse(value) as { id?: string };
    return parsed.id ?? null;
  };

  it('keeps the latest record of each compaction key, finer than the partition key, and ages keyless records', async () => {
    const { log } = openLog();
    await log.createTopic('t', { partitions: 1 });
    const now = 5_000_000;
    const old = now - 10_000;
    const values = [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
      { id: 'a', v: 2 },
      { event: 'credit-1' },
      { id: 'c', v: 1 },
      { id: 'b', v: 2 },
    ];
    // All share one partition key (a campaign), as attribution aggregates do.
    await log.produce(
      't',
      values.map((value) => ({ key: 'campaign-1', value: JSON.stringify(value), timestamp: old })),
    );
    const report = await log.clean!('t', { compactionKey: byKey, retentionMs: 5_000, now });
    expect(report.compacted).toBe(2);
    expect(report.deleted).toBe(1);
    const left = (await remaining(log, 't')).map((record) => JSON.parse(record.value) as unknown);
    expect(left).toEqual([
      { id: 'a', v: 2 },
      { id: 'c', v: 1 },
      { id: 'b', v: 2 },
    ]);
  });

  it('caps the bytes of keyless records by deleting the oldest, and never deletes a row for size', async () => {
    const { log } = openLog();
    await log.createTopic('t', { partitions: 1 });
    const event = (n: number) => ({
      key: 'p',
      value: JSON.stringify({ event: `credit-${n}`, pad: 'x'.repeat(60) }),
    });
    await log.produce('t', [
      { key: 'p', value: JSON.stringify({ id: 'a', v: 1 }) },
      ...Array.from({ length: 10 }, (_, n) => event(n)),
    ]);
    const size = 1 + JSON.stringify({ event: 'credit-0', pad: 'x'.repeat(60) }).length;
    const report = await log.clean!('t', { compactionKey: byKey, retentionBytes: size * 4 });
    expect(report.deleted).toBe(6);
    const left = (await remaining(log, 't')).map(
      (record) => JSON.parse(record.value) as { id?: string; event?: string },
    );
    expect(left.map((value) => value.id ?? value.event)).toEqual([
      'a',
      'credit-6',
      'credit-7',
      'credit-8',
      'credit-9',
    ]);
  });

  it('leaves replaced records younger than the compaction lag, and compacts them on a later pass', async () => {
    const { log } = openLog();
    await log.createTopic('t', { partitions: 1 });
    const now = 5_000_000;
    await log.produce('t', [
      { key: 'p', value: JSON.stringify({ id: 'a', v: 1 }), timestamp: now - 500 },
      { key: 'p', value: JSON.stringify({ id: 'a', v: 2 }), timestamp: now - 100 },
    ]);
    const cleanup = { compactionKey: byKey, minCompactionLagMs: 1_000 };
    expect((await log.clean!('t', { ...cleanup, now })).compacted).toBe(0);
    expect((await log.clean!('t', { ...cleanup, now: now + 1_000 })).compacted).toBe(1);
    expect((await remaining(log, 't')).map((record) => record.offset)).toEqual([1]);
  });

  it('finds what to compact again after a restart (a new log over the same file)', async () => {
    const { log, dir, path } = openLog();
    await log.createTopic('t', { partitions: 1 });
    await log.produce('t', [
      { key: 'p', value: JSON.stringify({ id: 'a', v: 1 }) },
      { key: 'p', value: JSON.stringify({ id: 'a', v: 2 }) },
    ]);
    await log.close();
    opened.splice(0);
    const reopened = createEmbeddedLog({ path });
    opened.push({ log: reopened, dir });
    await reopened.produce('t', [{ key: 'p', value: JSON.stringify({ id: 'a', v: 3 }) }]);
    const report = await reopened.clean!('t', { compactionKey: byKey });
    expect(report.compacted).toBe(2);
    expect((await remaining(reopened, 't')).map((record) => record.offset)).toEqual([2]);
  });

  it('never loses the latest value of a key, whatever the history and however often it is cleaned', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), v: fc.integer({ min: 0, max: 9 }) }),
            fc.constant('clean' as const),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        async (steps) => {
          const { log } = openLog();
          await log.createTopic('t', { partitions: 2 });
          const latest = new Map<string, number>();
          for (const step of steps) {
            if (step === 'clean') {
              await log.clean!('t', { compactionKey: byKey });
              continue;
            }
            await log.produce('t', [{ key: step.id, value: JSON.stringify(step) }]);
            latest.set(step.id, step.v);
          }
          await log.clean!('t', { compactionKey: byKey });
          const left = new Map<string, number>();
          for (const record of await remaining(log, 't')) {
            const value = JSON.parse(record.value) as { id: string; v: number };
            expect(left.has(value.id)).toBe(false);
            left.set(value.id, value.v);
          }
          expect(left).toEqual(latest);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('the log cleaner', () => {
  it('cleans every named topic on each pass and tells what it did', async () => {
    const { log } = openLog();
    await log.createTopic('stream', { partitions: 1 });
    await log.createTopic('rows', { partitions: 1 });
    await log.produce('stream', [{ key: null, value: 'old', timestamp: 1 }]);
    await log.produce('rows', [
      { key: 'x', value: '1' },
      { key: 'x', value: '2' },
    ]);
    const told: string[] = [];
    const cleaner = createLogCleaner({
      log,
      topics: new Map<string, TopicCleanup>([
        ['stream', { retentionMs: 1_000 }],
        ['rows', { compactionKey: ({ key }) => key }],
      ]),
      onCleaned: (reports) => told.push(...reports.map((r) => `${r.topic}:${r.deleted}/${r.compacted}`)),
    });
    const reports = await cleaner.clean();
    expect(reports.map((r) => [r.topic, r.deleted, r.compacted])).toEqual([
      ['stream', 1, 0],
      ['rows', 0, 1],
    ]);
    expect(told).toEqual(['stream:1/0', 'rows:0/1']);
    await cleaner.stop();
  });
});
