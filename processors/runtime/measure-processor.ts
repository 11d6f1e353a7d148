/**
 * Throughput of one processor on its own, for the benchmark harness (`npm run bench`).
 *
 * - {@link measureProcessor}: the processor and its state store only (records partitioned by key with
 *   murmur2 into tasks, applied in batches, every batch one SQLite transaction) — no log in the way.
 * - {@link measureProcessorOnLog}: the same processor run by a {@link createProcessorHost} over a real log
 *   (embedded or Kafka): records are produced first, then the clock runs from start until caught up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Log } from './log.ts';
import { partitionForKey } from './murmur2.ts';
import type { EventTimeOptions, Processor } from './processor.ts';
import { createProcessorHost } from './processor-host.ts';
import { createProcessorTask } from './processor-task.ts';
import { openStateStore } from './state/state-store.ts';

/** A record to feed: key and JSON text, in arrival order. */
export interface MeasureRecord {
  key: string | null;
  value: string;
}

/** What a measurement found. */
export interface ProcessorMeasurement {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  outputs: number;
}

/** Options of {@link measureProcessor}. */
export interface MeasureProcessorOptions<In> {
  processor: Processor<In>;
  records: MeasureRecord[];
  eventTime: EventTimeOptions;
  /** Topic name the processor sees (default `cleanroom.events`). */
  topic?: string;
  partitions?: number;
  batchSize?: number;
}

/**
 * Run a processor alone over `records` and time it (state in a temp folder, removed afterwards).
 *
 * @example
 * const records = generateCleanEvents({ seed: 1, count: 50_000 }).map((e) => ({ key: e.subjectId, value: JSON.stringify(e) }));
 * const { eventsPerSecond } = measureProcessor({ processor: createSegmentProcessor({ definitions }), records,
 *   eventTime: { maxOutOfOrdernessMs: 60_000 } });
 */
export function measureProcessor<In>(options: MeasureProcessorOptions<In>): ProcessorMeasurement {
  const topic = options.topic ?? 'cleanroom.events';
  const partitions = options.partitions ?? 4;
  const batchSize = options.batchSize ?? 500;
  const byPartition = Array.from({ length: partitions }, () => [] as MeasureRecord[]);
  options.records.forEach((record, index) => {
    const partition = record.key === null ? index % partitions : partitionForKey(record.key, partitions);
    byPartition[partition]!.push(record);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanroom-measure-'));
  const stores = byPartition.map((_, partition) =>
    openStateStore(path.join(dir, `partition-${partition}.sqlite`)),
  );
  try {
    const tasks = stores.map((store, partition) =>
      createProcessorTask({
        processorName: 'measure',
        partition,
        store,
        processor: options.processor,
        eventTime: options.eventTime,
      }),
    );
    const started = performance.now();
    byPartition.forEach((records, partition) => {
      for (let start = 0; start < records.length; start += batchSize) {
        const batch = records.slice(start, start + batchSize).map((record, index) => ({
          topic,
          partition,
          offset: start + index,
          key: record.key,
          value: record.value,
          headers: {},
          timestamp: 0,
        }));
        tasks[partition]!.processBatch({ topic, partition, records: batch });
        const pending = stores[partition]!.pendingOutbox();
        if (pending.length > 0) stores[partition]!.confirmOutbox(pending[pending.length - 1]!.sequence);
      }
    });
    const seconds = (performance.now() - started) / 1000;
    const outputs = tasks.reduce((sum, task) => sum + task.stats().outputs, 0);
    return {
      events: options.records.length,
      seconds,
      eventsPerSecond: options.records.length / seconds,
      outputs,
    };
  } finally {
    for (const store of stores) store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Options of {@link measureProcessorOnLog}. */
export interface MeasureOnLogOptions<In> extends Omit<
  MeasureProcessorOptions<In>,
  'partitions' | 'batchSize'
> {
  log: Log;
  /** A fresh topic name (it is created and filled); the processor must accept records of it. */
  topic: string;
  maxBatchSize?: number;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
}

/** Run a processor in a host over a real log and time it from start until it has caught up. */
export async function measureProcessorOnLog<In>(
  options: MeasureOnLogOptions<In>,
): Promise<ProcessorMeasurement> {
  const { log, topic } = options;
  await log.createTopic(topic);
  for (let start = 0; start < options.records.length; start += 1_000) {
    await log.produce(topic, options.records.slice(start, start + 1_000));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanroom-measure-log-'));
  const host = createProcessorHost({
    log,
    name: 'measure',
    groupId: `measure-${path.basename(dir)}`,
    inputTopics: [topic],
    stateDir: dir,
    processor: options.processor,
    eventTime: options.eventTime,
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
  });
  try {
    const started = performance.now();
    await host.start();
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    while (!(await host.caughtUp())) {
      if (Date.now() > deadline)
        throw new Error(`measureProcessorOnLog: not caught up within ${options.timeoutMs ?? 600_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      events: options.records.length,
      seconds,
      eventsPerSecond: options.records.length / seconds,
      outputs: host.stats().outputs,
    };
  } finally {
    await host.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
