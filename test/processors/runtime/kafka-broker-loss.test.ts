/**
 * The Kafka log when its broker goes away: a broker of this file's own (the shared test broker is never
 * stopped) first hangs during a produce, then is stopped and started again on the same port and data while
 * consumers fetch, a stage consumes and produces and a producer keeps sending. Every consumer reads again,
 * every message sent is read, and the producer keeps working.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBroker, stopBroker } from '../../../scripts/kafka/broker-control.mjs';
import { createKafkaLog } from '../../../processors/runtime/index.ts';
import type {
  KafkaLogLine,
  Log,
  LogConsumer,
  LogError,
  TopicPartitionOffset,
} from '../../../processors/runtime/index.ts';
import { kafkaSkipReason, uniqueName } from '../../helpers/kafka.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
const OUTAGE_MS = 8_000;
// A small retry budget, so the outage outlasts every KafkaJS retry and the give-up paths are exercised.
const SHORT_RETRY = { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3, factor: 0.2, multiplier: 2 };
const cleanups: Array<() => Promise<void>> = [];
let brokerDir = '';
let broker: Awaited<ReturnType<typeof startBroker>> | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Ids read by one consumer. */
type Seen = Set<string>;

/** Keeps producing numbered messages, each tried again until it is written (through the outage). */
function startProducing(log: Log, topic: string, prefix: string) {
  const written: string[] = [];
  let failures = 0;
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n += 1) {
      const id = `${prefix}-${n}`;
      for (;;) {
        try {
          await log.produce(topic, [{ key: `key-${n % 16}`, value: id }]);
          written.push(id);
          break;
        } catch {
          failures += 1;
          if (!running) return;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    written,
    failures: () => failures,
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe.skipIf(kafkaSkipReason() !== undefined)('the Kafka log when its broker goes away', () => {
  let dir = '';
  beforeAll(async () => {
    dir = createTempDir('kafka-broker-loss');
    brokerDir = join(dir, 'broker');
    broker = await startBroker({ port: await freePort(), dir: brokerDir, stopWithParent: process.pid });
  });
  afterAll(async () => {
    if (brokerDir) await stopBroker({ dir: brokerDir, graceMs: 2_000 });
    removeTempDir(dir);
  });

  it('keeps producing after a produce whose answer never came', async () => {
    const { brokers, pid } = broker!;
    const log = createKafkaLog({
      brokers,
      clientId: uniqueName('broker-hang'),
      retry: SHORT_RETRY,
      produceTimeoutMs: 3_000,
    });
    cleanups.push(() => log.close());
    const topic = uniqueName('hang');
    await log.createTopic(topic, { partitions: 1 });
    await log.produce(topic, [{ key: 'k', value: 'before' }]);

    // The broker hangs with a produce in flight; it writes it once it runs again, after the call gave up.
    process.kill(-pid, 'SIGSTOP');
    let resumed = false;
    cleanups.push(async () => void (resumed || process.kill(-pid, 'SIGCONT')));
    const started = performance.now();
    await expect(log.produce(topic, [{ key: 'k', value: 'unanswered' }])).rejects.toMatchObject({
      code: 'PRODUCE_FAILED',
      retriable: true,
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    process.kill(-pid, 'SIGCONT');
    resumed = true;

    // Without a new producer id the next batch would carry the sequence numbers of the unanswered one, and
    // the broker would refuse it and every later one (OUT_OF_ORDER_SEQUENCE_NUMBER).
    await waitFor(
      async () => {
        const [written] = await log.produce(topic, [
          { key: 'k', value: 'after-1' },
          { key: 'k', value: 'after-2' },
        ]);
        return written !== undefined;
      },
      { timeout: 30_000, interval: 200, message: 'produce after the hang' },
    );
    const [end] = await log.endOffsets(topic);
    expect(end).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('keeps consuming and producing once a stopped broker is back', async () => {
    const kafkaLines: KafkaLogLine[] = [];
    const log = createKafkaLog({
      brokers: broker!.brokers,
      clientId: uniqueName('broker-loss'),
      retry: SHORT_RETRY,
      logLevel: 'info',
      onLog: (line) => kafkaLines.push(line),
    });
    cleanups.push(() => log.close());
    const input = uniqueName('loss-input');
    const output = uniqueName('loss-output');
    await log.createTopic(input, { partitions: 4 });
    await log.createTopic(output, { partitions: 4 });

    const errors: LogError[] = [];
    const consumers: LogConsumer[] = [];
    const seenBy = new Map<string, Seen>();
    const track = (name: string): Seen => {
      const seen: Seen = new Set();
      seenBy.set(name, seen);
      return seen;
    };

    // A plain reader with the default commits.
    const plain = track('plain');
    const plainConsumer = log.consumer({
      groupId: uniqueName('plain'),
      topics: [input],
      onError: (error) => errors.push(error),
    });
    consumers.push(plainConsumer);
    await plainConsumer.run(async (batch) => {
      for (const record of batch.records) plain.add(record.value);
    });

    // A stage as the processor host runs one: positions of its own, seek on assignment, produce, then commit.
    const stagePositions = new Map<string, number>();
    const stageGroup = uniqueName('stage');
    const stageConsumer: LogConsumer = log.consumer({
      groupId: stageGroup,
      topics: [input],
      autoCommit: false,
      onAssign: (assigned) =>
        assigned.map(({ topic, partition }): TopicPartitionOffset => ({
          topic,
          partition,
          offset: stagePositions.get(`${topic}:${partition}`) ?? 0,
        })),
      onError: (error) => errors.push(error),
    });
    consumers.push(stageConsumer);
    await stageConsumer.run(async (batch) => {
      const key = `${batch.topic}:${batch.partition}`;
      const from = stagePositions.get(key) ?? 0;
      const fresh = batch.records.filter((record) => record.offset >= from);
      if (fresh.length === 0) return;
      await log.produce(
        output,
        fresh.map((record) => ({ key: record.key, value: `staged:${record.value}` })),
      );
      const next = fresh[fresh.length - 1]!.offset + 1;
      stagePositions.set(key, next);
      await stageConsumer.commit([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    });

    // Downstream of the stage, under a group of its own that never commits (as a broadcast table's feed).
    const downstream = track('downstream');
    const downstreamConsumer = log.consumer({
      groupId: uniqueName('downstream'),
      topics: [output],
      autoCommit: false,
      onError: (error) => errors.push(error),
    });
    consumers.push(downstreamConsumer);
    await downstreamConsumer.run(async (batch) => {
      for (const record of batch.records) downstream.add(record.value.replace(/^staged:/, ''));
    });
    cleanups.push(async () => void (await Promise.all(consumers.map((consumer) => consumer.stop()))));

    const producing = startProducing(log, input, 'message');
    cleanups.push(() => producing.stop());
    const everyoneHas = (count: number) => () =>
      [...seenBy.values()].every((seen) => producing.written.slice(0, count).every((id) => seen.has(id)));
    await waitFor(() => producing.written.length >= 20 && everyoneHas(producing.written.length)(), {
      timeout: 60_000,
      message: 'read before the outage',
    });

    const stoppedAt = performance.now();
    await stopBroker({ dir: brokerDir, keepFiles: true, graceMs: 5_000 });
    await waitFor(async () => !(await log.ping()), { timeout: 15_000, message: 'ping false' });
    const writtenBefore = producing.written.length;
    // Long enough for every KafkaJS retry above to give up.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, OUTAGE_MS - (performance.now() - stoppedAt))),
    );
    broker = await startBroker({
      port: broker!.port,
      dir: brokerDir,
      keepData: true,
      stopWithParent: process.pid,
    });
    const restartedAt = performance.now();
    await waitFor(() => log.ping(), { timeout: 30_000, interval: 200, message: 'ping true again' });

    await waitFor(() => producing.written.length >= writtenBefore + 20, {
      timeout: 60_000,
      interval: 100,
      message: `producing again (${producing.failures()} failures)`,
    });
    const target = producing.written.length;
    try {
      await waitFor(everyoneHas(target), {
        timeout: 90_000,
        interval: 100,
        message: 'every consumer read everything written',
      });
    } catch (error) {
      const missing = [...seenBy].map(
        ([name, seen]) =>
          `${name}: ${producing.written.slice(0, target).filter((id) => !seen.has(id)).length}`,
      );
      const tail = kafkaLines
        .filter((line) => line.level !== 'debug')
        .slice(-40)
        .map((line) => `${line.level} ${line.namespace} ${line.message} ${JSON.stringify(line.fields)}`);
      throw new Error(
        `${String(error)}\nmissing: ${missing.join(', ')}\nerrors: ${errors
          .slice(-10)
          .map((e) => `${e.code} ${e.message} <- ${String((e.cause as Error | undefined)?.message)}`)
          .join('\n')}\nkafkajs:\n${tail.join('\n')}`,
        { cause: error },
      );
    }
    const caughtUpMs = performance.now() - restartedAt;
    expect((await log.endOffsets(input)).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(target);

    // The stage's group offsets catch up too (a commit that met the outage is made again).
    await producing.stop();
    await waitFor(
      async () => {
        const [ends, committed] = await Promise.all([
          log.endOffsets(input),
          log.committedOffsets(stageGroup, input),
        ]);
        return ends.every((end, partition) => Math.max(0, committed[partition] ?? 0) >= end);
      },
      { timeout: 30_000, interval: 200, message: 'stage group committed to the end' },
    );
    console.log(
      `broker loss: ${target} written, ${producing.failures()} failed produce calls, caught up ${Math.round(caughtUpMs)} ms after the restart, ${errors.length} consumer errors`,
    );
  }, 240_000);
});
