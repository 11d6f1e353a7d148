/**
 * fast-check arbitraries of poison input for every raw topic: malformed and truncated JSON, values over
 * MAX_RAW_EVENT_BYTES, wrongly typed fields, unicode-heavy garbage, and duplicates of good events. Every kind
 * but `duplicate` must be dead-lettered; a duplicate must be recognised and counted once.
 */
import fc from 'fast-check';
import { MAX_RAW_EVENT_BYTES, RAW_TOPICS } from '../../../schema/index.ts';

/** Kinds of poison. */
export type PoisonKind = 'malformed' | 'truncated' | 'huge' | 'wrongly-typed' | 'unicode-heavy' | 'duplicate';

/** One poison record, produced to `topic` with `key`. */
export interface PoisonRecord {
  kind: PoisonKind;
  topic: string;
  key: string | null;
  value: string;
}

/** A good record (topic, key and the JSON text sent). */
export interface GoodRecord {
  topic: string;
  key: string | null;
  value: string;
}

const rawTopics = Object.values(RAW_TOPICS);
const unicodeText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 });

/** Poison built from the good records (so it looks like real traffic on every raw topic). */
export function poisonArbitrary(good: readonly GoodRecord[]): fc.Arbitrary<PoisonRecord> {
  const aGood = fc.constantFrom(...good);
  const malformed = fc
    .tuple(
      fc.constantFrom(...rawTopics),
      fc.constantFrom('{', '{"eventId":', 'not json', '[1,2', '{"a":}', 'null', '42'),
    )
    .map(([topic, value]): PoisonRecord => ({ kind: 'malformed', topic, key: null, value }));
  const truncated = fc
    .tuple(aGood, fc.double({ min: 0.05, max: 0.95, noNaN: true }))
    .map(([record, cut]): PoisonRecord => ({
      kind: 'truncated',
      topic: record.topic,
      key: record.key,
      value: record.value.slice(0, Math.max(1, Math.floor(record.value.length * cut))),
    }));
  const huge = fc.tuple(aGood, fc.integer({ min: 1, max: 4_096 })).map(([record, extra]): PoisonRecord => {
    const value = JSON.parse(record.value) as Record<string, unknown>;
    value['padding'] = 'p'.repeat(MAX_RAW_EVENT_BYTES + extra);
    return { kind: 'huge', topic: record.topic, key: record.key, value: JSON.stringify(value) };
  });
  const wronglyTyped = fc
    .tuple(
      aGood,
      fc.constantFrom(
        'eventId',
        'occurredAt',
        'type',
        'campaignId',
        'loyaltyId',
        'items',
        'storeId',
        'consent',
      ),
      fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.constant({}),
      ),
    )
    .filter(([record, field]) => field in (JSON.parse(record.value) as object))
    .map(([record, field, wrong]): PoisonRecord => {
      const value = JSON.parse(record.value) as Record<string, unknown>;
      value[field] = wrong;
      return { kind: 'wrongly-typed', topic: record.topic, key: record.key, value: JSON.stringify(value) };
    });
  const unicodeHeavy = fc
    .tuple(aGood, unicodeText, fc.boolean())
    .map(([record, text, wholeValue]): PoisonRecord => {
      if (wholeValue)
        return { kind: 'unicode-heavy', topic: record.topic, key: text, value: `${text}\u0000${text}` };
      const value = JSON.parse(record.value) as Record<string, unknown>;
      // An enum or timestamp full of unicode: well-formed JSON, invalid event.
      if ('occurredAt' in value) value['occurredAt'] = `2026-11-30T${text}`;
      else value['campaignId'] = 42;
      return { kind: 'unicode-heavy', topic: record.topic, key: record.key, value: JSON.stringify(value) };
    });
  const duplicate = aGood
    .filter((record) => record.topic !== RAW_TOPICS.campaigns)
    .map((record): PoisonRecord => ({ kind: 'duplicate', ...record }));
  return fc.oneof(malformed, truncated, huge, wronglyTyped, unicodeHeavy, duplicate);
}
