/** Moving benchmark input onto a log: simulated raw records under a topic prefix, and copies of topics. */
import type { Log, ProduceMessage } from '../../../processors/runtime/index.ts';
import { RAW_TOPICS } from '../../../schema/index.ts';
import { simulate, toProduceMessage } from '../../../simulator/index.ts';
import type { SimulatedRecord } from '../../../simulator/index.ts';

const PRODUCE_CHUNK = 1_000;

/** `events` simulated raw records of a fixed seed (the same input for a figure and its baseline). */
export function simulatedRecords(events: number, seed = 7): SimulatedRecord[] {
  return [...simulate({ seed, events })];
}

/** Create the raw topics under `prefix`. */
export async function createRawTopics(log: Log, prefix: string): Promise<void> {
  for (const topic of Object.values(RAW_TOPICS)) {
    await log.createTopic(`${prefix}${topic}`, topic === RAW_TOPICS.campaigns ? { compacted: true } : {});
  }
}

/** Produce `records` to the raw topics under `prefix` (created first), in stream order per topic. */
export async function produceRaw(
  log: Log,
  prefix: string,
  records: readonly SimulatedRecord[],
): Promise<void> {
  await createRawTopics(log, prefix);
  const byTopic = new Map<string, ProduceMessage[]>();
  for (const record of records) {
    const topic = `${prefix}${record.topic}`;
    const list = byTopic.get(topic) ?? [];
    list.push(toProduceMessage(record));
    byTopic.set(topic, list);
  }
  for (const [topic, messages] of byTopic) {
    for (let start = 0; start < messages.length; start += PRODUCE_CHUNK) {
      await log.produce(topic, messages.slice(start, start + PRODUCE_CHUNK));
    }
  }
}

/** Every record of `topic` (all partitions), keeping partition, key, value and headers. */
export async function readTopic(log: Log, topic: string, groupId: string): Promise<Array<ProduceMessage>> {
  const ends = await log.endOffsets(topic);
  const total = ends.reduce((sum, end) => sum + end, 0);
  const messages: ProduceMessage[] = [];
  if (total === 0) return messages;
  const consumer = log.consumer({ groupId, topics: [topic], fromBeginning: true, maxBatchSize: 2_000 });
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  await consumer.run(async (batch) => {
    for (const record of batch.records) {
      messages.push({
        key: record.key,
        value: record.value,
        headers: record.headers,
        partition: record.partition,
        timestamp: record.timestamp,
      });
    }
    if (messages.length >= total) resolveDone();
  });
  await done;
  await consumer.stop();
  return messages;
}

/** Produce copied messages to `topic` (same partitions), creating it with `partitions` first. */
export async function writeTopic(
  log: Log,
  topic: string,
  partitions: number,
  messages: readonly ProduceMessage[],
  compacted = false,
): Promise<void> {
  await log.createTopic(topic, { partitions, compacted });
  for (let start = 0; start < messages.length; start += PRODUCE_CHUNK) {
    await log.produce(topic, messages.slice(start, start + PRODUCE_CHUNK));
  }
}
