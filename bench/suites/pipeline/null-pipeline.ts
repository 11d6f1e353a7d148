/**
 * The null pipeline: the same log hops as the real one and nothing else. One consumer group reads every raw
 * topic, parses each value and routes it, keyed, to one events topic; four consumer groups (one per processor)
 * read that topic and parse each value. It is the baseline of the pipeline throughput figures.
 */
import type { Log, LogConsumer } from '../../../processors/runtime/index.ts';
import { RAW_TOPICS } from '../../../schema/index.ts';
import type { RunningPipeline } from './full-pipeline.ts';

const DOWNSTREAM = ['fraud', 'segments', 'attribution', 'triggers'] as const;

/** Start the null pipeline over the raw topics under `topicPrefix`. */
export async function startNullPipeline(options: {
  log: Log;
  topicPrefix: string;
  runId: string;
  rawRecords: number;
}): Promise<RunningPipeline> {
  const { log, topicPrefix: prefix, runId } = options;
  const eventsTopic = `${prefix}null.events-${runId}`;
  await log.createTopic(eventsTopic);
  const consumers: LogConsumer[] = [];
  let routed = 0;
  const seen = new Map<string, number>();
  let parsed = 0;
  for (const name of DOWNSTREAM) {
    seen.set(name, 0);
    const consumer = log.consumer({
      groupId: `${runId}.null-${name}`,
      topics: [eventsTopic],
      fromBeginning: true,
    });
    await consumer.run(async (batch) => {
      for (const record of batch.records) {
        if (JSON.parse(record.value) !== undefined) parsed += 1;
      }
      seen.set(name, (seen.get(name) ?? 0) + batch.records.length);
    });
    consumers.push(consumer);
  }
  const router = log.consumer({
    groupId: `${runId}.null-route`,
    topics: Object.values(RAW_TOPICS).map((topic) => `${prefix}${topic}`),
    fromBeginning: true,
  });
  await router.run(async (batch) => {
    const messages = batch.records.map((record) => {
      // Parse as ingest does (malformed input is routed too: ingest dead-letters it).
      let key = record.key;
      try {
        const value = JSON.parse(record.value) as { eventId?: unknown };
        if (key === null && typeof value.eventId === 'string') key = value.eventId;
      } catch {
        key = record.key;
      }
      return { key, value: record.value };
    });
    await log.produce(eventsTopic, messages);
    routed += messages.length;
  });
  consumers.push(router);
  return {
    async finished() {
      if (routed < options.rawRecords) return false;
      return DOWNSTREAM.every((name) => (seen.get(name) ?? 0) >= routed) && parsed >= 0;
    },
    async stop() {
      for (const consumer of consumers.reverse()) await consumer.stop();
    },
  };
}
