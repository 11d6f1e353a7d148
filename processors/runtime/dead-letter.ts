/**
 * Dead letters: where a refused record was, why (a field and a reason), and a digest of its bytes. The payload
 * itself is never copied (it may hold PII), reasons never quote the input, and the record's own key is not
 * reused (a raw topic's key may be an identifier): a dead letter is keyed by its source topic and partition.
 */
import { createHash } from 'node:crypto';
import type { DeadLetter } from '../../schema/topics.ts';
import type { LogRecord } from './log.ts';
import { RecordRejectedError } from './processor-errors.ts';

/** Longest reason kept (a zod message can be long). */
const MAX_REASON_LENGTH = 500;

/** A reason safe to publish: zod quotes unknown keys and received values back, and those are input. */
export function sanitizeReason(reason: string): string {
  if (/^Unrecognized keys?/i.test(reason)) return 'has an unrecognized key';
  return reason.replace(/received '[^']*'/g, 'received an invalid value').slice(0, MAX_REASON_LENGTH);
}

/** The dead letter of `record`, refused by `processorName`, with its deterministic id. */
export function deadLetterOf(
  processorName: string,
  record: LogRecord,
  field: string,
  reason: string,
): { key: string; value: DeadLetter; outputId: string } {
  const deadLetterId = `dead:${processorName}:${record.topic}:${record.partition}:${record.offset}`;
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
  return { key: `${record.topic}:${record.partition}`, value, outputId: deadLetterId };
}

/** The field and reason of a parse failure: a {@link RecordRejectedError}'s, a zod error's first issue, else generic. */
export function describeParseError(error: unknown): { field: string; reason: string } {
  if (error instanceof RecordRejectedError) return { field: error.field, reason: error.reason };
  const issues = (error as { issues?: Array<{ path?: PropertyKey[]; message?: string }> } | null)?.issues;
  const first = Array.isArray(issues) ? issues[0] : undefined;
  if (first) {
    const field = first.path && first.path.length > 0 ? first.path.map(String).join('.') : '(value)';
    return { field, reason: first.message ?? 'is invalid' };
  }
  // A JSON.parse SyntaxError quotes the input: keep only that the value is not JSON.
  if (error instanceof SyntaxError) return { field: '(value)', reason: 'is not valid JSON' };
  return { field: '(value)', reason: 'is invalid' };
}
