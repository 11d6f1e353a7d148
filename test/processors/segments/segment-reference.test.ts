import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MS } from '../../../processors/runtime/index.ts';
import {
  EXAMPLE_SEGMENTS_DIR,
  compileSegment,
  isMember,
  loadSegmentDefinitions,
  matchEvent,
  parseSegmentDefinition,
} from '../../../processors/segments/index.ts';
import type { Hit, SegmentDefinition } from '../../../processors/segments/index.ts';
import type { CleanEvent } from '../../../schema/topics.ts';
import { productView, purchase } from './clean-events.ts';
import { openSegmentHarness } from './segment-harness.ts';

// The shipped four plus definitions exercising distinct days, recency and `or`.
const definitions: SegmentDefinition[] = [
  ...loadSegmentDefinitions(EXAMPLE_SEGMENTS_DIR),
  parseSegmentDefinition(
    JSON.stringify({
      id: 'frequent-shoppers',
      name: 'Frequent',
      rule: {
        match: { type: 'purchase' },
        aggregate: 'distinct_days',
        window: { within: { days: 7 } },
        min: 3,
      },
    }),
    'frequent.json',
  ),
  parseSegmentDefinition(
    JSON.stringify({
      id: 'dormant-or-recent-tv',
      name: 'Dormant buyers or recent TV viewers',
      rule: {
        or: [
          { match: { type: 'purchase' }, aggregate: 'recency', window: { within: { days: 60 } }, min: 5 },
          {
            match: { type: 'product_view', category: 'tv' },
            aggregate: 'recency',
            window: { within: { days: 30 } },
            max: 2,
          },
        ],
      },
    }),
    'dormant.json',
  ),
];
const compiled = definitions.map(compileSegment);

const BOUND = MS.day;
const LATENESS = MS.day;
const T0 = Date.parse('2026-01-01T00:00:00Z');

const eventArbitrary = fc.record({
  subject: fc.constantFrom('s0', 's1', 's2', 's3'),
  kind: fc.constantFrom('plant_based_meat', 'soda', 'tv', 'bread', 'view-tv'),
  // Hours since T0 of the "true" time; arrival order adds jitter below.
  hour: fc.integer({ min: 0, max: 150 * 24 }),
  jitterHours: fc.integer({ min: 0, max: 72 }),
  quantity: fc.constantFrom(1, 2, 3, -1),
  unitPrice: fc.constantFrom(5, 120, 300),
  measurement: fc.boolean().map((b) => b || Math.floor(Number(b)) === 0),
  duplicate: fc.boolean(),
});

/** Brute force: membership of every subject at watermark W from all accepted events. */
function recompute(accepted: CleanEvent[], watermark: number): Map<string, string[]> {
  const result = new Map<string, string[]>();
  const subjects = [...new Set(accepted.map((event) => event.subjectId!))];
  for (const subjectId of subjects) {
    const seen = new Set<string>();
    const events = accepted.filter((event) => {
      if (event.subjectId !== subjectId || !event.consent.measurement || seen.has(event.eventId))
        return false;
      seen.add(event.eventId);
      return Date.parse(event.occurredAt) <= watermark;
    });
    const members = compiled
      .filter((segment) => {
        const hits: Hit[][] = segment.conditions.map((condition) =>
          events.flatMap((event) => {
            const amount = matchEvent(condition.condition, event);
            return amount === null ? [] : [{ t: Date.parse(event.occurredAt), a: amount, e: event.eventId }];
          }),
        );
        return isMember(segment, hits, watermark);
      })
      .map((segment) => segment.id)
      .sort();
    if (members.length > 0) result.set(subjectId, members);
  }
  return result;
}

describe('segments: incremental memberships equal a brute-force recomputation at the same watermark', () => {
  it('holds for random out-of-order streams with late, too-late, duplicate and non-consented events', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { minLength: 1, maxLength: 60 }), (generated) => {
        // Arrival order: by true time plus jitter, so events arrive up to 3 days out of order.
        const arrivals = generated
          .map((own, index) => {
            // A duplicate is a re-delivery of the previous event (same id and content), arriving on its own.
            const duplicate = own.duplicate && index > 0;
            const spec = duplicate ? { ...generated[index - 1]!, jitterHours: own.jitterHours } : own;
            const t = T0 + spec.hour * MS.hour;
            const eventId = duplicate ? `e${index - 1}` : `e${index}`;
            const event =
              spec.kind === 'view-tv'
                ? productView(eventId, spec.subject, t, 'tv')
                : purchase(
                    eventId,
                    spec.subject,
                    t,
                    { category: spec.kind, quantity: spec.quantity, unitPrice: spec.unitPrice },
                    { measurement: spec.measurement },
                  );
            return { arrival: t + spec.jitterHours * MS.hour, index, event };
          })
          .sort((a, b) => a.arrival - b.arrival || a.index - b.index)
          .map((entry) => entry.event);

        // The reference's own watermark and lateness rule (max - bound; too late below watermark - lateness).
        let maxSeen = -Infinity;
        const accepted: CleanEvent[] = [];
        for (const event of arrivals) {
          const t = Date.parse(event.occurredAt);
          if (t >= maxSeen - BOUND - LATENESS) accepted.push(event);
          maxSeen = Math.max(maxSeen, t);
        }
        const watermark = maxSeen - BOUND;

        const harness = openSegmentHarness(definitions, {
          maxOutOfOrdernessMs: BOUND,
          allowedLatenessMs: LATENESS,
        });
        try {
          const changes = harness.feed(arrivals.map((event) => ({ event })));
          expect(harness.watermark()).toBe(watermark);
          expect(harness.stats().tooLate).toBe(arrivals.length - accepted.length);
          const expected = recompute(accepted, watermark);
          expect(Object.fromEntries(harness.memberships())).toEqual(Object.fromEntries(expected));
          // Sizes are the member counts; changes alternate entered/exited per subject and segment.
          const sizes = harness.sizes();
          for (const segment of compiled) {
            const members = [...expected.values()].filter((ids) => ids.includes(segment.id)).length;
            expect(sizes[segment.id] ?? 0).toBe(members);
          }
          const last = new Map<string, string>();
          for (const change of changes) {
            const key = `${change.segmentId}/${change.subjectId}`;
            expect(last.get(key) ?? 'exited').not.toBe(change.action);
            last.set(key, change.action);
          }
          expect(new Set(changes.map((change) => change.changeId)).size).toBe(changes.length);
        } finally {
          harness.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
