/** The unit the simulator emits: one message for one raw topic. */
import type { RawTopic } from '../schema/events.ts';
import type { ProduceMessage } from '../processors/runtime/index.ts';

/**
 * One record of the stream. `value` is the event object exactly as produced; for a malformed record whose
 * text is not JSON, `raw` is true and `value` is that text.
 */
export interface SimulatedRecord {
  topic: RawTopic;
  key: string | null;
  value: object | string;
  raw?: true;
}

/** The text a producer sends for a record: JSON of the value, or the raw text itself. */
export function recordText(record: SimulatedRecord): string {
  return record.raw === true && typeof record.value === 'string'
    ? record.value
    : JSON.stringify(record.value);
}

/** A record as a log message. */
export function toProduceMessage(record: SimulatedRecord): ProduceMessage {
  return { key: record.key, value: recordText(record) };
}
