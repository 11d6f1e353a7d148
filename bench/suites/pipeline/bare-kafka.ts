/** The Kafka baseline: a bare kafkajs consumer reading the raw messages, and nothing else. */
import { Kafka, logLevel } from 'kafkajs';
import { RAW_TOPICS } from '../../../schema/index.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * Join a group on the raw topics under `prefix`, then run `produce` and count messages until `expected`;
 * resolves to messages per second from the first produce.
 */
export async function bareKafkaRead(
  brokers: string,
  prefix: string,
  runId: string,
  expected: number,
  produce: () => Promise<void>,
  timeoutMs: number,
): Promise<number> {
  const kafka = new Kafka({
    clientId: `${runId}-bare`,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `${runId}.bare`, maxWaitTimeInMs: 50 });
  let joined = false;
  let read = 0;
  let finishedAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  try {
    await consumer.connect();
    await consumer.subscribe({
      topics: Object.values(RAW_TOPICS).map((topic) => `${prefix}${topic}`),
      fromBeginning: true,
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        read += batch.messages.length;
        if (read >= expected && finishedAt === 0) finishedAt = performance.now();
      },
    });
    await waitUntil(() => joined, { timeoutMs: 60_000, message: 'the bare consumer did not join' });
    const started = performance.now();
    await produce();
    await waitUntil(() => finishedAt > 0, {
      timeoutMs,
      message: 'the bare consumer did not read every message',
    });
    return (expected * 1000) / (finishedAt - started);
  } finally {
    await consumer.disconnect();
  }
}
