/**
 * One contract, two implementations: the embedded log and the Kafka log (against the real broker the global
 * setup started) must behave the same.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedLog, createKafkaLog, partitionForKey } from '../../../processors/runtime/index.ts';
import type {
  Log,
  LogConsumer,
  LogError,
  LogRecord,
  RecordBatch,
} from '../../../processors/runtime/index.ts';
import { kafkaBrokers, kafkaSkipReason, uniqueName } from '../../helpers/kafka.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';

interface Implementation {
  kind: 'embedded' | 'kafka';
  skipReason: string | undefined;
  open(): Log;
}

const tempDirs: string[] = [];
const openLogs: Log[] = [];

const implementations: Implementation[] = [
  {
    kind: 'embedded',
    skipReason: undefined,
    open() {
      const dir = createTempDir('log-contract');
      tempDirs.push(dir);
      return createEmbeddedLog({ path: join(dir, 'log.sqlite') });
    },
  },
  {
    kind: 'kafka',
    skipReason: kafkaSkipReason(),
    open: () => createKafkaLog({ brokers: kafkaBrokers() ?? '', clientId: uniqueName('contract') }),
  },
];

afterEach(async () => {
  await Promise.all(openLogs.splice(0).map((log) => log.close()));
  for (const dir of tempDirs.splice(0)) removeTempDir(dir);
});

/** Collects what a consumer receives. */
function collector(): { records: LogRecord[]; handler: (batch: RecordBatch) => Promise<void> } {
  const records: LogRecord[] = [];
  return {
    records,
    handler: async (batch) => {
      for (const record of batch.records) {
        expect(record.topic).toBe(batch.topic);
        expect(record.partition).toBe(batch.partition);
        records.push(record);
      }
    },
  };
}

function byPartition(records: readonly LogRecord[]): Map<number, LogRecord[]> {
  const partitions = new Map<number, LogRecord[]>();
  for (const record of records) {
    const list = partitions.get(record.partition) ?? [];
    list.push(record);
    partitions.set(record.partition, list);
  }
  return partitions;
}

describe.each(implementations)('log contract: $kind', (implementation) => {
  const suite = implementation.skipReason ? describe.skip : describe;
  suite(implementation.skipReason ? `skipped: ${implementation.skipReason}` : 'semantics', () => {
    function openLog(): Log {
      const log = implementation.open();
      openLogs.push(log);
      return log;
    }

    it('reports its kind and answers ping', async () => {
      const log = openLog();
      expect(log.kind).toBe(implementation.kind);
      expect(await log.ping()).toBe(true);
    });

    it('creates topics with the partition count asked for, idempotently', async () => {
      const log = openLog();
      const topic = uniqueName('topics');
      await log.createTopic(topic, { partitions: 3 });
      await log.createTopic(topic, { partitions: 5 });
      expect(await log.partitionsFor(topic)).toBe(3);
      expect(await log.partitionsFor(uniqueName('on-demand'))).toBe(4);
    });

    it('assigns consecutive offsets per partition and delivers each partition in order', async () => {
      const log = openLog();
      const topic = uniqueName('order');
      await log.createTopic(topic, { partitions: 3 });
      const produced = [];
      for (let round = 0; round < 3; round += 1) {
        const messages = Array.from({ length: 100 }, (_, index) => ({
          key: `key-${index % 10}`,
          value: JSON.stringify({ round, index }),
          headers: { round: String(round) },
        }));
        produced.push(
          ...(await log.produce(topic, messages)).map((result, index) => ({
            ...result,
            ...messages[index]!,
          })),
        );
      }
      for (const [, results] of byPartition(produced as unknown as LogRecord[])) {
        expect(results.map((result) => result.offset)).toEqual(results.map((_, index) => index));
      }
      const ends = await log.endOffsets(topic);
      expect(ends.reduce((sum, end) => sum + end, 0)).toBe(300);

      const { records, handler } = collector();
      const consumer = log.consumer({ groupId: uniqueName('order-group'), topics: [topic] });
      await consumer.run(handler);
      await waitFor(() => records.length >= 300, { timeout: 20_000 });
      expect(records).toHaveLength(300);
      for (const [partition, list] of byPartition(records)) {
        expect(list.map((record) => record.offset)).toEqual(list.map((_, index) => index));
        const expected = produced.filter((result) => result.partition === partition);
        expect(list.map((record) => record.value)).toEqual(expected.map((result) => result.value));
        expect(list.map((record) => record.key)).toEqual(expected.map((result) => result.key));
        expect(list.map((record) => record.headers.round)).toEqual(
          expected.map((result) => result.headers.round),
        );
      }
      expect(records.every((record) => record.timestamp > 0)).toBe(true);
    });

    it("places a keyed message in Kafka's murmur2 partition", async () => {
      const log = openLog();
      const topic = uniqueName('parity');
      await log.createTopic(topic, { partitions: 7 });
      const keys = Array.from({ length: 200 }, (_, index) => `subject-${index * 7919}`);
      keys.push('0', '1', '128', '2187', '170859375', 'élan', '日本');
      const results = await log.produce(
        topic,
        keys.map((key) => ({ key, value: key })),
      );
      results.forEach((result, index) => expect(result.partition).toBe(partitionForKey(keys[index]!, 7)));
      // Vectors generated with the Java client's Utils.murmur2 (kept in KafkaJS's sources).
      expect(results[200]!.partition).toBe((971027396 & 0x7fffffff) % 7);
      expect(results[201]!.partition).toBe((-1993445489 & 0x7fffffff) % 7);
      const { records, handler } = collector();
      await log.consumer({ groupId: uniqueName('parity-group'), topics: [topic] }).run(handler);
      await waitFor(() => records.length === keys.length, { timeout: 20_000 });
      for (const record of records) expect(record.partition).toBe(partitionForKey(record.key!, 7));
    });

    it('spreads null keys round-robin and honours a pinned partition', async () => {
      const log = openLog();
      const topic = uniqueName('null-keys');
      await log.createTopic(topic, { partitions: 4 });
      const results = await log.produce(
        topic,
        Array.from({ length: 8 }, (_, index) => ({ key: null, value: String(index) })),
      );
      expect(new Set(results.map((result) => result.partition)).size).toBe(4);
      const [pinned] = await log.produce(topic, [{ key: 'anything', value: 'x', partition: 2 }]);
      expect(pinned!.partition).toBe(2);
    });

    it('delivers 10,000 messages with none lost and none duplicated', async () => {
      const log = openLog();
      const topic = uniqueName('ten-thousand');
      await log.createTopic(topic, { partitions: 4 });
      for (let start = 0; start < 10_000; start += 1_000) {
        await log.produce(
          topic,
          Array.from({ length: 1_000 }, (_, index) => ({
            key: (start + index) % 3 === 0 ? null : `k-${(start + index) % 97}`,
            value: String(start + index),
          })),
        );
      }
      const groupId = uniqueName('ten-thousand-group');
      const { records, handler } = collector();
      await log.consumer({ groupId, topics: [topic] }).run(handler);
      const ends = await log.endOffsets(topic);
      expect(ends.reduce((sum, end) => sum + end, 0)).toBe(10_000);
      await waitFor(async () => expect(await log.committedOffsets(groupId, topic)).toEqual(ends), {
        timeout: 30_000,
      });
      expect(records).toHaveLength(10_000);
      expect(new Set(records.map((record) => record.value)).size).toBe(10_000);
    });

    it('resumes a group from its committed offsets after the consumer restarts', async () => {
      const log = openLog();
      const topic = uniqueName('resume');
      const groupId = uniqueName('resume-group');
      await log.createTopic(topic, { partitions: 2 });
      await log.produce(
        topic,
        Array.from({ length: 50 }, (_, index) => ({ key: `k${index}`, value: `first-${index}` })),
      );
      const first = collector();
      const consumer = log.consumer({ groupId, topics: [topic] });
      await consumer.run(first.handler);
      await waitFor(
        async () => (await log.committedOffsets(groupId, topic)).reduce((a, b) => a + b, 0) === 50,
        {
          timeout: 20_000,
        },
      );
      await consumer.stop();
      expect(first.records).toHaveLength(50);

      await log.produce(
        topic,
        Array.from({ length: 30 }, (_, index) => ({ key: `k${index}`, value: `second-${index}` })),
      );
      const second = collector();
      await log.consumer({ groupId, topics: [topic] }).run(second.handler);
      await waitFor(() => second.records.length >= 30, { timeout: 20_000 });
      expect(second.records.map((record) => record.value).sort()).toEqual(
        Array.from({ length: 30 }, (_, index) => `second-${index}`).sort(),
      );
      expect(await log.committedOffsets(groupId, topic)).toEqual(await log.endOffsets(topic));
    });

    it('splits partitions between two consumers of one group', async () => {
      const log = openLog();
      const topic = uniqueName('split');
      const groupId = uniqueName('split-group');
      await log.createTopic(topic, { partitions: 4 });
      const first = collector();
      const second = collector();
      const one = log.consumer({ groupId, topics: [topic] });
      const two = log.consumer({ groupId, topics: [topic] });
      await one.run(first.handler);
      await two.run(second.handler);
      await waitFor(() => one.assignments().length === 2 && two.assignments().length === 2, {
        timeout: 30_000,
      });
      const owned = [...one.assignments(), ...two.assignments()].map((tp) => tp.partition).sort();
      expect(owned).toEqual([0, 1, 2, 3]);

      await log.produce(
        topic,
        Array.from({ length: 200 }, (_, index) => ({ key: `split-${index}`, value: String(index) })),
      );
      await waitFor(() => first.records.length + second.records.length >= 200, { timeout: 20_000 });
      const firstPartitions = new Set(one.assignments().map((tp) => tp.partition));
      expect(first.records.every((record) => firstPartitions.has(record.partition))).toBe(true);
      expect(second.records.every((record) => !firstPartitions.has(record.partition))).toBe(true);
      expect(first.records.length).toBeGreaterThan(0);
      expect(second.records.length).toBeGreaterThan(0);
      const values = [...first.records, ...second.records].map((record) => record.value);
      expect(new Set(values).size).toBe(200);
    });

    it('takes over the partitions of a member that leaves', async () => {
      const log = openLog();
      const topic = uniqueName('takeover');
      const groupId = uniqueName('takeover-group');
      await log.createTopic(topic, { partitions: 2 });
      const revoked: number[] = [];
      const one = log.consumer({ groupId, topics: [topic] });
      const two = log.consumer({
        groupId,
        topics: [topic],
        onRevoke: (partitions) => void revoked.push(...partitions.map((tp) => tp.partition)),
      });
      const first = collector();
      await one.run(first.handler);
      await two.run(async () => {});
      await waitFor(() => one.assignments().length === 1 && two.assignments().length === 1, {
        timeout: 30_000,
      });
      await two.stop();
      expect(revoked).toHaveLength(1);
      await waitFor(() => one.assignments().length === 2, { timeout: 30_000 });
      await log.produce(topic, [
        { key: null, value: 'a', partition: 0 },
        { key: null, value: 'b', partition: 1 },
      ]);
      await waitFor(() => first.records.length >= 2, { timeout: 20_000 });
    });

    it('seeks, and starts where onAssign says', async () => {
      const log = openLog();
      const topic = uniqueName('seek');
      await log.createTopic(topic, { partitions: 1 });
      await log.produce(
        topic,
        Array.from({ length: 20 }, (_, index) => ({ key: null, value: String(index) })),
      );
      const assigned = collector();
      await log
        .consumer({
          groupId: uniqueName('assign-group'),
          topics: [topic],
          onAssign: (partitions) => partitions.map((tp) => ({ ...tp, offset: 12 })),
        })
        .run(assigned.handler);
      await waitFor(() => assigned.records.length >= 8, { timeout: 20_000 });
      expect(assigned.records.map((record) => record.offset)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);

      const seeking = collector();
      const consumer = log.consumer({ groupId: uniqueName('seek-group'), topics: [topic] });
      await consumer.run(seeking.handler);
      await waitFor(() => seeking.records.length >= 20, { timeout: 20_000 });
      consumer.seek({ topic, partition: 0, offset: 5 });
      await waitFor(() => seeking.records.length >= 35, { timeout: 20_000 });
      expect(seeking.records.slice(20).map((record) => record.offset)).toEqual(
        Array.from({ length: 15 }, (_, index) => index + 5),
      );
    });

    it('delivers a batch again when its handler seeks back to where the batch began', async () => {
      const log = openLog();
      const topic = uniqueName('seek-back');
      await log.createTopic(topic, { partitions: 1 });
      await log.produce(
        topic,
        Array.from({ length: 6 }, (_, index) => ({ key: null, value: String(index), partition: 0 })),
      );
      const firstOffsets: number[] = [];
      const seen: number[] = [];
      let refusals = 2;
      const consumer = log.consumer({
        groupId: uniqueName('seek-back-group'),
        topics: [topic],
        maxBatchSize: 3,
      });
      await consumer.run(async (batch) => {
        firstOffsets.push(batch.records[0]!.offset);
        // "Not now": the first two deliveries are handed back by seeking to the batch's own first offset.
        if (refusals > 0) {
          refusals -= 1;
          consumer.seek({ topic, partition: 0, offset: batch.records[0]!.offset });
          return;
        }
        seen.push(...batch.records.map((record) => record.offset));
      });
      await waitFor(() => seen.length >= 6, { timeout: 20_000 });
      expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
      expect(firstOffsets.slice(0, 3)).toEqual([0, 0, 0]);
    });

    it('commits only when told to with autoCommit false, and reports committed offsets', async () => {
      const log = openLog();
      const topic = uniqueName('manual');
      const groupId = uniqueName('manual-group');
      await log.createTopic(topic, { partitions: 2 });
      await log.produce(topic, [
        { key: null, value: 'a', partition: 0 },
        { key: null, value: 'b', partition: 0 },
        { key: null, value: 'c', partition: 1 },
      ]);
      const { records, handler } = collector();
      const consumer = log.consumer({ groupId, topics: [topic], autoCommit: false });
      await consumer.run(handler);
      await waitFor(() => records.length >= 3, { timeout: 20_000 });
      expect(await log.committedOffsets(groupId, topic)).toEqual([-1, -1]);
      await consumer.commit([{ topic, partition: 0, offset: 2 }]);
      expect(await log.committedOffsets(groupId, topic)).toEqual([2, -1]);
      expect(await log.endOffsets(topic)).toEqual([2, 1]);
    });

    it('retries a batch whose handler failed and reports the error', async () => {
      const log = openLog();
      const topic = uniqueName('retry');
      await log.createTopic(topic, { partitions: 1 });
      await log.produce(topic, [{ key: 'k', value: 'only' }]);
      const errors: LogError[] = [];
      let calls = 0;
      const delivered: string[] = [];
      const consumer: LogConsumer = log.consumer({
        groupId: uniqueName('retry-group'),
        topics: [topic],
        onError: (error) => errors.push(error),
      });
      await consumer.run(async (batch) => {
        calls += 1;
        if (calls === 1) throw new Error('transient');
        delivered.push(...batch.records.map((record) => record.value));
      });
      await waitFor(() => delivered.length === 1, { timeout: 20_000 });
      expect(delivered).toEqual(['only']);
      expect(errors[0]).toMatchObject({
        code: 'HANDLER_FAILED',
        topic,
        partition: 0,
        offset: 0,
        retriable: true,
      });
      expect(consumer.assignments()).toEqual([{ topic, partition: 0 }]);
    });
  });
});

describe.skipIf(kafkaSkipReason() !== undefined)('log parity: embedded and kafka', () => {
  it('put every key in the same partition and report the same offsets', async () => {
    const dir = createTempDir('log-parity');
    tempDirs.push(dir);
    const embedded = createEmbeddedLog({ path: join(dir, 'log.sqlite') });
    const kafka = createKafkaLog({ brokers: kafkaBrokers() ?? '', clientId: uniqueName('parity') });
    openLogs.push(embedded, kafka);
    const topic = uniqueName('parity-both');
    const keys = Array.from(
      { length: 300 },
      (_, index) => `campaign-${index}:${(index * 2654435761) % 1000}`,
    );
    const messages = keys.map((key) => ({ key, value: key }));
    await embedded.createTopic(topic, { partitions: 12 });
    await kafka.createTopic(topic, { partitions: 12 });
    const [onEmbedded, onKafka] = await Promise.all([
      embedded.produce(topic, messages),
      kafka.produce(topic, messages),
    ]);
    expect(onKafka.map((result) => [result.partition, result.offset])).toEqual(
      onEmbedded.map((result) => [result.partition, result.offset]),
    );
    expect(await kafka.endOffsets(topic)).toEqual(await embedded.endOffsets(topic));
  });
});
