/**
 * Dead-letter records: where a refused message was and why, plus a digest of its bytes. The payload itself is
 * never copied (it may hold PII), and reasons never quote the input.
 */
import { createHash } from 'node:crypto';
import type { LogRecord } from '../runtime/index.ts';
import { TOPICS } from '../../schema/topics.ts';
import type { DeadLetter } from '../../schema/topics.ts';
import type { IngestOutput } from './outputs.ts';

// zod quotes unknown keys back ("Unrecognized key: \"jane@example.com\""); keys are input, so they are dropped.
function sanitizeReason(reason: string): string {
  if (/^Unrecognized keys?/i.test(reason)) return 'has an unrecognized key';
  return reason.replace(/received '[^']*'/g, 'received an invalid value');
}

/** The dead-letter output of a refused record. */
export function deadLetterFor(record: LogRecord, field: string, reason: string): IngestOutput {
  const deadLetterId = `dead-letter:${record.topic}:${record.partition}:${record.offset}`;
  const value: DeadLetter = {
    deadLetterId,
    sourceTopic: record.topic,
    partition: record.partition,
    offset: record.offset,
    field,
    reason: sanitizeReason(reason),
    payloadSha256: createHash('sha256').update(record.value, 'utf8').digest('hex'),
    payloadBytes: Buffer.byteLength(record.value, 'utf8'),
    receivedAt: new Date(record.timestamp).toISOString(),
  };
  return {
    topic: TOPICS.deadLetter,
    key: `${record.topic}:${record.partition}`,
    value,
    outputId: deadLetterId,
  };
}
