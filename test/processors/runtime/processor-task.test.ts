import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MS } from '../../../processors/runtime/index.ts';
import { TOPICS } from '../../../schema/topics.ts';
import { createHourlyCounter } from './hourly-counter.ts';
import { batchesOf, openTask, recordsOf, tempDir } from './task-fixtures.ts';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * MS.minute).toISOString();
const eventTime = { maxOutOfOrdernessMs: 10 * MS.minute, allowedLatenessMs: 5 * MS.minute };

// Hand-worked: bound 10 min, lateness 5 min, windows close at end + 5 min.
const GOLDEN_INPUT = [
  { key: 'a', value: { id: 'e0', at: at(5) } }, //   wm 09:55
  { key: 'a', value: { id: 'e1', at: at(50) } }, //  wm 10:40
  { key: 'a', value: { id: 'e2', at: at(37) } }, //  behind 10:40, within 5 min: late, applied
  { key: 'b', value: { id: 'e3', at: at(20) } }, //  older than 10:35: too late -> side output
  { key: 'a', value: { id: 'e4', at: at(75) } }, //  wm 11:05: closes a[10:00] = 3
  { key: 'a', value: { id: 'e5', at: at(59) } }, //  older than 11:00: too late
  { key: 'a', value: { id: 'e6', at: at(80) } }, //  wm 11:10
  { key: 'b', value: { id: 'e7', at: at(100) } }, // wm 11:30
  { key: 'a', value: { id: 'e8', at: at(150) } }, // wm 12:20: closes a[11:00] = 2, b[11:00] = 1
];

const EXPECTED_OUTPUTS = [
  {
    topic: TOPICS.lateEvents,
    outputId: 'late:test:in:0:3',
    value: { processor: 'test', eventId: 'e3', occurredAt: at(20), watermark: at(40) },
  },
  { topic: 'test.counts', outputId: `count:a:${T0}`, value: { key: 'a', windowStart: at(0), count: 3 } },
  {
    topic: TOPICS.lateEvents,
    outputId: 'late:test:in:0:5',
    value: { processor: 'test', eventId: 'e5', occurredAt: at(59), watermark: at(65) },
  },
  {
    topic: 'test.counts',
    outputId: `count:a:${T0 + MS.hour}`,
    value: { key: 'a', windowStart: at(60), count: 2 },
  },
  {
    topic: 'test.counts',
    outputId: `count:b:${T0 + MS.hour}`,
    value: { key: 'b', windowStart: at(60), count: 1 },
  },
];

describe('processor task: watermarks, lateness, timers, outbox (hand-worked)', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  const setup = () => {
    const temp = tempDir('task-');
    const opened = openTask(temp.dir, createHourlyCounter(5 * MS.minute), eventTime);
    cleanups.push(() => {
      opened.close();
      temp.cleanup();
    });
    return { ...opened, dir: temp.dir };
  };

  it('applies out-of-order and late events, side-outputs too-late ones and closes windows as the watermark passes', () => {
    const { task, drain } = setup();
    for (const batch of batchesOf(recordsOf('in', 0, GOLDEN_INPUT))) task.processBatch(batch);
    const outputs = drain().map((entry) => ({
      topic: entry.topic,
      outputId: entry.outputId,
      value: JSON.parse(entry.value),
    }));
    expect(outputs).toEqual(EXPECTED_OUTPUTS);
    expect(task.stats()).toMatchObject({
      records: 9,
      lateApplied: 1,
      tooLate: 2,
      timersFired: 3,
      outputs: 5,
    });
    expect(task.watermark()).toBe(T0 + 140 * MS.minute);
    expect(task.store.offsets()).toEqual([{ topic: 'in', partition: 0, offset: 9 }]);
  });

  it('makes the same outputs whatever the batch boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 9 }), (sizes) => {
        const { task, drain, close } = setup();
        for (const batch of batchesOf(recordsOf('in', 0, GOLDEN_INPUT), sizes)) task.processBatch(batch);
        const ids = drain().map((entry) => entry.outputId);
        close();
        return JSON.stringify(ids) === JSON.stringify(EXPECTED_OUTPUTS.map((output) => output.outputId));
      }),
      { numRuns: 25 },
    );
  });

  it('resumes from stored offsets: a redelivered batch is skipped, a reopened task continues exactly', () => {
    const temp = tempDir('task-resume-');
    cleanups.push(temp.cleanup);
    const records = recordsOf('in', 0, GOLDEN_INPUT);
    const first = openTask(temp.dir, createHourlyCounter(5 * MS.minute), eventTime);
    first.task.processBatch({ topic: 'in', partition: 0, records: records.slice(0, 5) });
    const before = first.drain().map((entry) => entry.outputId);
    first.close();
    const second = openTask(temp.dir, createHourlyCounter(5 * MS.minute), eventTime);
    second.task.processBatch({ topic: 'in', partition: 0, records }); // redelivery from offset 0
    const after = second.drain().map((entry) => entry.outputId);
    second.close();
    expect([...before, ...after]).toEqual(EXPECTED_OUTPUTS.map((output) => output.outputId));
  });

  it('dead-letters unparsable records and records whose handler throws, undoing the handler writes', () => {
    const { task, drain } = setup();
    const records = recordsOf('in', 0, [
      { key: 'a', value: 'not json' },
      { key: 'a', value: { id: 'x1', at: at(1) } },
      { key: 'a', value: { id: 'x2', at: at(2), boom: true } },
      { key: 'a', value: { id: 'x3', at: at(200) } },
    ]);
    task.processBatch({ topic: 'in', partition: 0, records });
    const outputs = drain().map((entry) => ({
      topic: entry.topic,
      value: JSON.parse(entry.value) as Record<string, unknown>,
    }));
    const dead = outputs.filter((output) => output.topic === TOPICS.deadLetter);
    expect(dead.map((output) => [output.value.offset, output.value.field])).toEqual([
      [0, '(value)'],
      [2, '(handler)'],
    ]);
    expect(dead.every((output) => typeof output.value.payloadSha256 === 'string')).toBe(true);
    // The boom event's count increment was rolled back: the 10:00 window counted only x1.
    const counts = outputs
      .filter((output) => output.topic === 'test.counts')
      .map((output) => output.value.count);
    expect(counts).toEqual([1]);
    expect(task.stats().deadLettered).toBe(2);
  });
});
