/**
 * Reads a whole topic (every partition, from the beginning) and summarises the pipeline's outputs in a form two
 * runs can be compared by: the output ids (with how often each was written) and the value under each id.
 */
import { randomBytes } from 'node:crypto';
import { OUTPUT_ID_HEADER } from '../../../processors/runtime/index.ts';
import type { Log, LogRecord } from '../../../processors/runtime/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/** Every record of `topic` currently in the log. */
export async function readTopic(log: Log, topic: string, timeout = 60_000): Promise<LogRecord[]> {
  const expected = (await log.endOffsets(topic)).reduce((sum, end) => sum + end, 0);
  const records: LogRecord[] = [];
  if (expected === 0) return records;
  const consumer = log.consumer({
    groupId: `reliability-reader-${randomBytes(6).toString('hex')}`,
    topics: [topic],
    fromBeginning: true,
    autoCommit: false,
  });
  try {
    await consumer.run(async (batch) => {
      records.push(...batch.records);
    });
    await waitFor(() => records.length >= expected, { timeout, interval: 50, message: `reading ${topic}` });
  } finally {
    await consumer.stop();
  }
  return records;
}

/** One topic's outputs by id. */
export interface OutputDigest {
  /** Output id -> its value (the last written; `conflicts` lists ids written with different values). */
  values: Map<string, string>;
  /** Output ids written more than once (a replay the consumer must recognise as a duplicate). */
  duplicates: number;
  /** Output ids written more than once with different values (never allowed). */
  conflicts: string[];
  /** Records without an output id. */
  missingIds: number;
}

/** Summarise records by their output id header (or `idOf(value)` when given). */
export function digestOutputs(records: LogRecord[], idOf?: (value: unknown) => string): OutputDigest {
  const digest: OutputDigest = { values: new Map(), duplicates: 0, conflicts: [], missingIds: 0 };
  for (const record of records) {
    const id = idOf ? idOf(JSON.parse(record.value)) : record.headers[OUTPUT_ID_HEADER];
    if (id === undefined || id === '') {
      digest.missingIds += 1;
      continue;
    }
    const previous = digest.values.get(id);
    if (previous !== undefined) {
      digest.duplicates += 1;
      if (previous !== record.value) digest.conflicts.push(id);
    }
    digest.values.set(id, record.value);
  }
  return digest;
}

/** The latest value per key of records whose value has `keyField`, ordered by `versionField`. */
export function latestBy(
  records: LogRecord[],
  keyField: string,
  versionField: string,
): Map<string, Record<string, unknown>> {
  const latest = new Map<string, Record<string, unknown>>();
  for (const record of records) {
    const value = JSON.parse(record.value) as Record<string, unknown>;
    const key = value[keyField];
    if (typeof key !== 'string') continue;
    const previous = latest.get(key);
    if (previous === undefined || Number(value[versionField]) >= Number(previous[versionField])) {
      latest.set(key, value);
    }
  }
  return latest;
}

/** Differences between two id sets, at most `limit` of each side, for readable failures. */
export function setDifference(
  left: Iterable<string>,
  right: Iterable<string>,
  limit = 5,
): { onlyLeft: string[]; onlyRight: string[]; onlyLeftCount: number; onlyRightCount: number } {
  const leftSet = new Set(left);
  const rightSet = new Set(right);
  const onlyLeft = [...leftSet].filter((id) => !rightSet.has(id));
  const onlyRight = [...rightSet].filter((id) => !leftSet.has(id));
  return {
    onlyLeft: onlyLeft.slice(0, limit),
    onlyRight: onlyRight.slice(0, limit),
    onlyLeftCount: onlyLeft.length,
    onlyRightCount: onlyRight.length,
  };
}
