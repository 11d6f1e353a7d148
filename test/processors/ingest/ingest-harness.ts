/** A running ingest on a real embedded log in a temp folder, with its output topics collected and its log captured. */
import path from 'node:path';
import pino from 'pino';
import { createIngest } from '../../../processors/ingest/index.ts';
import type { Ingest, IngestOptions } from '../../../processors/ingest/index.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log, LogConsumer, LogRecord } from '../../../processors/runtime/index.ts';
import { TOPICS } from '../../../schema/topics.ts';
import { testSecrets } from './fixtures.ts';

/** Output topics of ingest. */
export const INGEST_OUTPUT_TOPICS = [TOPICS.events, TOPICS.consent, TOPICS.campaigns, TOPICS.deadLetter];

/** Records of the output topics, as a reader downstream sees them. */
export interface OutputCollector {
  records: LogRecord[];
  of(topic: string): LogRecord[];
  stop(): Promise<void>;
}

/** Read every output topic from the beginning into memory. */
export async function collectOutputs(
  log: Log,
  groupId: string,
  topics: readonly string[] = INGEST_OUTPUT_TOPICS,
): Promise<OutputCollector> {
  const records: LogRecord[] = [];
  for (const topic of topics) await log.createTopic(topic);
  const consumer: LogConsumer = log.consumer({ groupId, topics: [...topics], fromBeginning: true });
  await consumer.run(async (batch) => void records.push(...batch.records));
  return {
    records,
    of: (topic) => records.filter((record) => record.topic === topic),
    stop: () => consumer.stop(),
  };
}

/** A pino logger writing JSON lines into `lines`. */
export function captureLogger(lines: string[]): pino.Logger {
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
}

/** Open the embedded log of a test folder. */
export function openLog(dir: string): Log {
  return createEmbeddedLog({
    path: path.join(dir, 'log.sqlite'),
    pollIntervalMs: 20,
    heartbeatIntervalMs: 100,
  });
}

/** Create and start an ingest on `log` with the test secrets. */
export async function startIngest(
  log: Log,
  dir: string,
  options: Partial<IngestOptions> = {},
): Promise<Ingest> {
  const ingest = createIngest({ log, dataDir: dir, secrets: testSecrets, ...options });
  await ingest.start();
  return ingest;
}

/** Produce raw JSON values to a raw topic. */
export async function produceRaw(
  log: Log,
  topic: string,
  values: Array<string | object>,
  key: string | null = null,
): Promise<void> {
  await log.produce(
    topic,
    values.map((value) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })),
  );
}
