/**
 * Malformed records for the dead-letter tests: copies of real events broken in one way each (a wrong type,
 * a missing or unknown field, a bad enum value, text that is not JSON, truncated JSON, a huge value).
 * Records whose text is not JSON carry `raw: true` and the text as `value`.
 */
import { MAX_RAW_EVENT_BYTES } from '../schema/events.ts';
import type { Random } from './random.ts';
import type { SimulatedRecord } from './record.ts';
import type { MalformedKind } from './truth.ts';

/** Every kind of breakage, drawn uniformly. */
export const MALFORMED_KINDS: readonly MalformedKind[] = [
  'wrong_type',
  'missing_field',
  'unknown_field',
  'bad_enum',
  'not_json',
  'truncated',
  'huge',
];

/** A malformed record and what is wrong with it. */
export interface MalformedRecord {
  record: SimulatedRecord;
  kind: MalformedKind;
  eventId?: string;
}

const ENUM_FIELDS = ['type', 'channel', 'placement'] as const;

/** Break a copy of a valid record (never the record itself). */
export function makeMalformed(random: Random, source: SimulatedRecord): MalformedRecord {
  const kind = random.pick(MALFORMED_KINDS);
  const value = structuredClone(source.value) as Record<string, unknown>;
  const eventId = `${String(value.eventId ?? 'event')}-bad`;
  value.eventId = eventId;
  const base = { topic: source.topic, key: source.key };
  switch (kind) {
    case 'wrong_type':
      value.occurredAt = Date.parse(String(value.occurredAt));
      break;
    case 'missing_field':
      delete value.occurredAt;
      break;
    case 'unknown_field':
      value.debugNote = 'added by a test client';
      break;
    case 'bad_enum': {
      const field = ENUM_FIELDS.find((name) => name in value);
      if (field === undefined) value.consent = 'yes';
      else value[field] = 'unknown';
      break;
    }
    case 'not_json':
      return {
        kind,
        eventId,
        record: {
          ...base,
          value: `eventId=${encodeURIComponent(eventId)}&occurredAt=${encodeURIComponent(String(value.occurredAt))}`,
          raw: true,
        },
      };
    case 'truncated': {
      const text = JSON.stringify(value);
      return {
        kind,
        eventId,
        record: { ...base, value: text.slice(0, Math.max(1, Math.floor(text.length / 2))), raw: true },
      };
    }
    case 'huge':
      value.padding = 'x'.repeat(MAX_RAW_EVENT_BYTES + random.int(1024));
      break;
  }
  return { kind, eventId, record: { ...base, value } };
}
