/**
 * Ingest against a real Kafka broker (started by the global setup): 1,000 malformed messages mixed into 50,000
 * good ones all land in the dead-letter topic with reasons; every good one lands in `cleanroom.events` once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Ingest } from '../../processors/ingest/index.ts';
import { createKafkaLog } from '../../processors/runtime/index.ts';
import type { Log, LogConsumer } from '../../processors/runtime/index.ts';
import { deadLetterSchema } from '../../schema/topics.ts';
import { kafkaBrokers, kafkaSkipReason, uniqueName } from '../helpers/kafka.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { bulkMessages, startIngest } from '../processors/ingest/index.ts';

const GOOD = 50_000;
const BAD = 1_000;
const skipReason = kafkaSkipReason();
const suite = skipReason ? describe.skip : describe;

suite(skipReason ? `ingest on Kafka — skipped: ${skipReason}` : 'ingest on Kafka', () => {
  const dirs: string[] = [];
  const logs: Log[] = [];
  let ingest: Ingest | undefined;
  let reader: LogConsumer | undefined;
  afterEach(async () => {
    await reader?.stop();
    await ingest?.stop();
    await Promise.all(logs.splice(0).map((log) => log.close()));
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });

  it(`dead-letters all ${BAD} malformed messages and writes each of ${GOOD} good ones exactly once`, async () => {
    const prefix = `${uniqueName('ingest')}.`;
    const dir = createTempDir('ingest-kafka');
    dirs.push(dir);
    const log = createKafkaLog({ brokers: kafkaBrokers() ?? '', clientId: uniqueName('ingest-test') });
    logs.push(log);

    ingest = await startIngest(log, dir, { topicPrefix: prefix, groupId: uniqueName('cleanroom-ingest') });
    const messages = bulkMessages(GOOD, BAD);
    const byTopic = new Map<string, Array<{ key: string | null; value: string }>>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push({ key: message.key, value: message.value });
      byTopic.set(message.topic, list);
    }
    for (const [topic, list] of byTopic) {
      for (let start = 0; start < list.length; start += 2_000) {
        await log.produce(`${prefix}${topic}`, list.slice(start, start + 2_000));
      }
    }

    const eventIds = new Map<string, number>();
    const letters: unknown[] = [];
    reader = log.consumer({
      groupId: uniqueName('ingest-reader'),
      topics: [`${prefix}cleanroom.events`, `${prefix}cleanroom.dead-letter`],
      fromBeginning: true,
      maxBatchSize: 2_000,
    });
    await reader.run(async (batch) => {
      for (const record of batch.records) {
        if (record.topic.endsWith('cleanroom.dead-letter')) {
          letters.push(JSON.parse(record.value));
        } else {
          const { eventId } = JSON.parse(record.value) as { eventId: string };
          eventIds.set(eventId, (eventIds.get(eventId) ?? 0) + 1);
        }
      }
    });

    await waitFor(() => ingest!.stats().processed === GOOD + BAD, { timeout: 150_000, interval: 200 });
    await waitFor(() => eventIds.size === GOOD && letters.length === BAD, { timeout: 60_000, interval: 200 });
    expect(ingest.stats()).toMatchObject({
      processed: GOOD + BAD,
      events: GOOD,
      deadLettered: BAD,
      duplicates: 0,
    });
    expect([...eventIds.values()].every((count) => count === 1)).toBe(true);
    const expectedIds = new Set(Array.from({ length: GOOD }, (_, index) => `good-${index}`));
    expect(
      [...eventIds.keys()].every((eventId) => expectedIds.has(eventId.slice(eventId.indexOf(':') + 1))),
    ).toBe(true);
    const parsed = letters.map((letter) => deadLetterSchema.parse(letter));
    expect(parsed.every((letter) => letter.reason.length > 0 && letter.field.length > 0)).toBe(true);
    expect(new Set(parsed.map((letter) => letter.field))).toEqual(
      new Set(['(value)', 'orderId', 'occurredAt', 'customer.phone']),
    );
  }, 240_000);
});
