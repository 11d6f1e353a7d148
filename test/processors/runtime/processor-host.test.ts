import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MS,
  OUTPUT_ID_HEADER,
  createEmbeddedLog,
  createProcessorHost,
  partitionForKey,
} from '../../../processors/runtime/index.ts';
import type { Log, LogConsumer, LogRecord, ProcessorHost } from '../../../processors/runtime/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createHourlyCounter } from './hourly-counter.ts';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * MS.minute).toISOString();

describe('processor host on the embedded log', () => {
  const dirs: string[] = [];
  const hosts: ProcessorHost[] = [];
  const readers: LogConsumer[] = [];
  let log: Log | undefined;
  afterEach(async () => {
    for (const reader of readers.splice(0)) await reader.stop();
    for (const host of hosts.splice(0)) await host.stop();
    await log?.close();
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });

  const setup = async () => {
    const dir = createTempDir('host');
    dirs.push(dir);
    log = createEmbeddedLog({
      path: path.join(dir, 'log.sqlite'),
      pollIntervalMs: 20,
      heartbeatIntervalMs: 100,
    });
    await log.createTopic('in', { partitions: 2 });
    const outputs: LogRecord[] = [];
    for (const topic of ['test.counts', 'late']) await log.createTopic(topic);
    const reader = log.consumer({ groupId: 'reader', topics: ['test.counts', 'late'], fromBeginning: true });
    readers.push(reader);
    await reader.run(async (batch) => void outputs.push(...batch.records));
    return { dir, log, outputs };
  };

  // Two keys that land in different partitions of a 2-partition topic.
  const keyIn = (partition: number): string => {
    for (let index = 0; ; index += 1) if (partitionForKey(`k${index}`, 2) === partition) return `k${index}`;
  };

  it('consumes, keeps state, produces outputs with their ids and side-outputs too-late events', async () => {
    const { dir, log, outputs } = await setup();
    const key = keyIn(0);
    const events = [
      { id: 'e0', at: at(5) },
      { id: 'e1', at: at(50) },
      { id: 'e2', at: at(20) }, // bound 10 min, no lateness: too late
      { id: 'e3', at: at(75) }, // closes 10:00-11:00 with 2
    ];
    await log.produce(
      'in',
      events.map((value) => ({ key, value: JSON.stringify(value) })),
    );
    const host = createProcessorHost({
      log,
      name: 'counter',
      inputTopics: ['in'],
      stateDir: path.join(dir, 'state'),
      processor: createHourlyCounter(0),
      eventTime: { maxOutOfOrdernessMs: 10 * MS.minute },
      sideTopics: { lateEvents: 'late' },
    });
    hosts.push(host);
    await host.start();
    await waitFor(() => host.caughtUp(), { message: 'caught up' });
    await waitFor(() => outputs.length >= 2, { message: 'count and late event read' });
    expect(
      outputs.filter((record) => record.topic === 'test.counts').map((record) => JSON.parse(record.value)),
    ).toEqual([{ key, windowStart: at(0), count: 2 }]);
    expect(
      outputs.filter((record) => record.topic === 'late').map((record) => record.headers[OUTPUT_ID_HEADER]),
    ).toEqual(['late:counter:in:0:2']);
    expect(host.stats()).toMatchObject({ records: 4, tooLate: 1, timersFired: 1, pendingOutbox: 0 });
    expect(host.stats().watermarks[0]).toBe(T0 + 65 * MS.minute);
  });

  it('moves a quiet partition to the highest watermark after the idle timeout, so its timers fire', async () => {
    const { dir, log, outputs: counts } = await setup();
    const quiet = keyIn(1);
    const busy = keyIn(0);
    await log.produce('in', [
      { key: quiet, value: JSON.stringify({ id: 'q0', at: at(5) }) },
      ...[30, 90, 150, 200].map((minutes, index) => ({
        key: busy,
        value: JSON.stringify({ id: `b${index}`, at: at(minutes) }),
      })),
    ]);
    const host = createProcessorHost({
      log,
      name: 'idle',
      inputTopics: ['in'],
      stateDir: path.join(dir, 'state'),
      processor: createHourlyCounter(0),
      eventTime: { maxOutOfOrdernessMs: 10 * MS.minute },
      idleTimeoutMs: 100,
    });
    hosts.push(host);
    await host.start();
    // The quiet partition's only event (10:05) sits in a window that only its own watermark can close.
    await waitFor(
      () => counts.some((record) => record.headers[OUTPUT_ID_HEADER] === `count:${quiet}:${T0}`),
      {
        message: 'the quiet partition closed its window',
      },
    );
    expect(host.stats().watermarks[1]).toBe(T0 + 190 * MS.minute);
  });
});
