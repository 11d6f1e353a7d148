/** The topics ingest reads and writes, created up front (campaign topics compacted). */
import { RAW_TOPICS } from '../../schema/events.ts';
import { DEFAULT_PARTITIONS, TOPICS } from '../../schema/topics.ts';
import type { Log, TopicOptions } from '../runtime/index.ts';
import { FRAUD_INPUT_TOPIC } from '../fraud/index.ts';

/** Create the raw topics ingest reads and the `cleanroom.*` topics it writes, under `prefix`. */
export async function createIngestTopics(log: Log, prefix: string, routeFraudInput: boolean): Promise<void> {
  const compacted = new Set<string>([TOPICS.campaigns, RAW_TOPICS.campaigns]);
  const topics = [
    TOPICS.events,
    TOPICS.consent,
    TOPICS.campaigns,
    TOPICS.deadLetter,
    TOPICS.inventory,
    TOPICS.instore,
    ...Object.values(RAW_TOPICS),
  ];
  for (const topic of topics) {
    await createTopicWithRetry(log, `${prefix}${topic}`, {
      partitions: DEFAULT_PARTITIONS,
      compacted: compacted.has(topic),
    });
  }
  if (routeFraudInput) await createTopicWithRetry(log, `${prefix}${FRAUD_INPUT_TOPIC}`, { partitions: 1 });
}

/** Create a topic, retrying what the log calls retriable (a broker still electing leaders after a create). */
async function createTopicWithRetry(log: Log, topic: string, topicOptions: TopicOptions): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await log.createTopic(topic, topicOptions);
      return;
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= 8) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
    }
  }
}
