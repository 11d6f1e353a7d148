/** Read every record a topic holds now, through a consumer of its own (a fresh group, from the beginning). */
import { randomUUID } from 'node:crypto';
import type { Log, LogRecord } from '../../processors/runtime/index.ts';
import { waitFor } from './wait-for.ts';

/** The records of `topic` up to its end offsets as they are when called, partition by partition. */
export async function readAll(log: Log, topic: string, timeoutMs = 30_000): Promise<LogRecord[]> {
  const ends = await log.endOffsets(topic);
  const total = ends.reduce((sum, end) => sum + end, 0);
  const records: LogRecord[] = [];
  const consumer = log.consumer({ groupId: `reader-${randomUUID()}`, topics: [topic], autoCommit: false });
  await consumer.run(async (batch) => {
    records.push(...batch.records);
  });
  await waitFor(() => records.length >= total, { timeout: timeoutMs, message: `reading ${topic}` });
  await consumer.stop();
  return records;
}
