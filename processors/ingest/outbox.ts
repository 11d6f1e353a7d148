/**
 * The producing side of ingest: its topics, created up front, and the outbox of committed outputs, produced in
 * order and deleted once the log acknowledged them.
 */
import { RAW_TOPICS } from '../../schema/events.ts';
import { DEFAULT_PARTITIONS, TOPICS } from '../../schema/topics.ts';
import { OUTPUT_ID_HEADER, producerHeaders } from '../runtime/index.ts';
import type { Log, TopicOptions } from '../runtime/index.ts';
import type { IngestState } from './ingest-state.ts';

const OUTBOX_CHUNK = 2_000;

/**
 * Produce every output waiting in the outbox (oldest first) and drop it once acknowledged. Consecutive rows of
 * one topic go in one produce call. A failure leaves the rest in the outbox for the next call; a row produced
 * twice carries the same `cleanroom-output-id` header, so downstream recognises the repeat.
 */
export async function produceOutbox(log: Log, state: IngestState, prefix: string): Promise<number> {
  const producer = `ingest/${state.producerEpoch}`;
  let produced = 0;
  for (let rows = state.pending(OUTBOX_CHUNK); rows.length > 0; rows = state.pending(OUTBOX_CHUNK)) {
    let start = 0;
    while (start < rows.length) {
      const topic = rows[start]!.topic;
      let end = start;
      while (end < rows.length && rows[end]!.topic === topic) end += 1;
      const messages = rows.slice(start, end).map((row) => ({
        key: row.key,
        value: row.value,
        headers: { [OUTPUT_ID_HEADER]: row.output_id, ...producerHeaders(producer, row.id) },
      }));
      await log.produce(`${prefix}${topic}`, messages);
      start = end;
    }
    state.markProduced(rows[rows.length - 1]!.id);
    produced += rows.length;
  }
  return produced;
}

/** Create the raw topics ingest reads and the `cleanroom.*` topics it writes (campaign topics compacted). */
export async function createIngestTopics(log: Log, prefix: string): Promise<void> {
  const compacted = new Set<string>([TOPICS.campaigns, RAW_TOPICS.campaigns]);
  const topics = [
    TOPICS.events,
    TOPICS.consent,
    TOPICS.campaigns,
    TOPICS.deadLetter,
    ...Object.values(RAW_TOPICS),
  ];
  for (const topic of topics) {
    await createTopicWithRetry(log, `${prefix}${topic}`, {
      partitions: DEFAULT_PARTITIONS,
      compacted: compacted.has(topic),
    });
  }
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
