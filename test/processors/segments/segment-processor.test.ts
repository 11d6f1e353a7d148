import { afterEach, describe, expect, it } from 'vitest';
import { MS } from '../../../processors/runtime/index.ts';
import { EXAMPLE_SEGMENTS_DIR, loadSegmentDefinitions } from '../../../processors/segments/index.ts';
import type { SegmentChange } from '../../../schema/topics.ts';
import { consentChange, productView, purchase } from './clean-events.ts';
import { openSegmentHarness } from './segment-harness.ts';
import type { HarnessInput, SegmentHarness } from './segment-harness.ts';

const D0 = Date.parse('2026-01-01T10:00:00Z');
const day = (n: number, hours = 0): number => D0 + n * MS.day + hours * MS.hour;
const iso = (t: number): string => new Date(t).toISOString();
const definitions = loadSegmentDefinitions(EXAMPLE_SEGMENTS_DIR);
const only = (id: string) => definitions.filter((definition) => definition.id === id);

let tickCount = 0;
/** A bread purchase by another subject: moves the watermark (bound 1 h) to `t - 1 h`. */
const tick = (t: number): HarnessInput => ({
  event: purchase(`tick-${(tickCount += 1)}`, 'ticker', t, { category: 'bread' }),
});
const ev = (event: ReturnType<typeof purchase>): HarnessInput => ({ event });
const summary = (changes: SegmentChange[]) =>
  changes.map((change) => [
    change.segmentId,
    change.subjectId,
    change.action,
    change.at,
    change.cause,
    change.segmentSize,
  ]);

describe('segments processor (hand-worked goldens over the shipped definitions)', () => {
  let harness: SegmentHarness | undefined;
  afterEach(() => harness?.close());

  it('plant-based-buyers: enters on the 2nd purchase in 14 days (once the watermark passes it), exits as the first ages out', () => {
    harness = openSegmentHarness(only('plant-based-buyers'));
    const changes = harness.feed([
      ev(purchase('p1', 's1', day(0), { category: 'plant_based_meat' })),
      ev(purchase('p2', 's1', day(3), { category: 'plant_based_meat' })),
      tick(day(3, 1)), // watermark day 3 10:00: the 2nd purchase is now behind it
      tick(day(20)), // watermark passes day 14 10:00: the 1st purchase leaves the window
    ]);
    expect(summary(changes)).toEqual([
      ['plant-based-buyers', 's1', 'entered', iso(day(3)), 'event', 1],
      ['plant-based-buyers', 's1', 'exited', iso(day(14)), 'time', 0],
    ]);
    expect(changes[0]!.changeId).toBe(`seg:plant-based-buyers:s1:${day(3)}-entered`);
  });

  it('plant-based-buyers: an out-of-order purchase still counts, a too-late one goes to the side output', () => {
    harness = openSegmentHarness(only('plant-based-buyers'), {
      maxOutOfOrdernessMs: MS.hour,
      allowedLatenessMs: MS.hour,
    });
    const changes = harness.feed([
      ev(purchase('p1', 's1', day(5), { category: 'plant_based_meat' })),
      ev(purchase('p2', 's1', day(5, -1.5), { category: 'plant_based_meat' })), // 1.5 h behind the newest: late, within lateness
      ev(purchase('p3', 's2', day(5, -3), { category: 'plant_based_meat' })), // too late: never counted
      ev(purchase('p4', 's2', day(5, -0.5), { category: 'plant_based_meat' })),
      tick(day(6)),
    ]);
    expect(summary(changes)).toEqual([['plant-based-buyers', 's1', 'entered', iso(day(5)), 'event', 1]]);
    expect(harness.stats()).toMatchObject({ lateApplied: 1, tooLate: 1 });
  });

  it('lapsed-soda-buyers: enters 30 days after a soda purchase, exits on a new one, re-enters and ages out at 90 days', () => {
    harness = openSegmentHarness(only('lapsed-soda-buyers'));
    const changes = harness.feed([
      ev(purchase('s-1', 's1', day(0), { category: 'soda' })),
      tick(day(31)),
      ev(purchase('s-2', 's1', day(40), { category: 'soda' })),
      tick(day(41)),
      tick(day(71)),
      tick(day(200)),
    ]);
    expect(summary(changes)).toEqual([
      ['lapsed-soda-buyers', 's1', 'entered', iso(day(30)), 'time', 1],
      ['lapsed-soda-buyers', 's1', 'exited', iso(day(40)), 'event', 0],
      ['lapsed-soda-buyers', 's1', 'entered', iso(day(70)), 'time', 1],
      ['lapsed-soda-buyers', 's1', 'exited', iso(day(130)), 'time', 0],
    ]);
  });

  it('tv-researchers: 3 views in 24 h enter, a TV purchase exits; views spread over 25 h never enter', () => {
    harness = openSegmentHarness(only('tv-researchers'));
    const changes = harness.feed([
      { event: productView('v1', 's1', day(0), 'tv') },
      { event: productView('v2', 's1', day(0, 1), 'tv') },
      { event: productView('v3', 's1', day(0, 2), 'tv') },
      ev(purchase('tv-1', 's1', day(0, 5), { category: 'tv', unitPrice: 400 })),
      { event: productView('w1', 's3', day(0), 'tv') },
      { event: productView('w2', 's3', day(0, 10), 'tv') },
      { event: productView('w3', 's3', day(0, 25), 'tv') },
      tick(day(3)),
    ]);
    expect(summary(changes)).toEqual([
      ['tv-researchers', 's1', 'entered', iso(day(0, 2)), 'event', 1],
      ['tv-researchers', 's1', 'exited', iso(day(0, 5)), 'event', 0],
    ]);
  });

  it('high-value-loyalty: $550 in 30 days enters, a $100 return exits', () => {
    harness = openSegmentHarness(only('high-value-loyalty'));
    const changes = harness.feed([
      ev(purchase('h1', 's1', day(0), { category: 'tv', unitPrice: 300 })),
      ev(purchase('h2', 's1', day(10), { category: 'grill', unitPrice: 250 })),
      tick(day(10, 2)),
      ev(purchase('h3', 's1', day(12), { category: 'grill', quantity: -1, unitPrice: 100 })),
      tick(day(12, 2)),
    ]);
    expect(summary(changes)).toEqual([
      ['high-value-loyalty', 's1', 'entered', iso(day(10)), 'event', 1],
      ['high-value-loyalty', 's1', 'exited', iso(day(12)), 'event', 0],
    ]);
  });

  it('ignores events without measurement consent and repeated event ids', () => {
    harness = openSegmentHarness(only('plant-based-buyers'));
    const changes = harness.feed([
      ev(purchase('n1', 's1', day(0), { category: 'plant_based_meat' }, { measurement: false })),
      ev(purchase('n2', 's1', day(1), { category: 'plant_based_meat' })),
      ev(purchase('n2', 's1', day(1), { category: 'plant_based_meat' })),
      tick(day(2)),
    ]);
    expect(changes).toEqual([]);
  });

  it('exits on consent withdrawal (cause consent) and purges the subject on erasure (cause erasure)', () => {
    harness = openSegmentHarness(only('plant-based-buyers'));
    const entered = harness.feed([
      ev(purchase('c1', 's1', day(0), { category: 'plant_based_meat' })),
      ev(purchase('c3', 's2', day(0), { category: 'plant_based_meat' })),
      ev(purchase('c2', 's1', day(1), { category: 'plant_based_meat' })),
      ev(purchase('c4', 's2', day(1), { category: 'plant_based_meat' })),
      tick(day(2)),
    ]);
    expect(summary(entered).map((row) => [row[1], row[2], row[5]])).toEqual([
      ['s1', 'entered', 1],
      ['s2', 'entered', 2],
    ]);
    const withdrawn = harness.feed([
      { consent: consentChange('k1', 's1', day(2, 1), { measurement: false }) },
      { consent: consentChange('k2', 's2', day(2, 1), {}, true) },
    ]);
    expect(summary(withdrawn)).toEqual([
      ['plant-based-buyers', 's1', 'exited', iso(day(2, 1)), 'consent', 1],
      ['plant-based-buyers', 's2', 'exited', iso(day(2, 1)), 'erasure', 0],
    ]);
    expect(harness.keys()).not.toContain('s2');
    expect(harness.memberships().size).toBe(0);
    expect(harness.sizes()).toEqual({ 'plant-based-buyers': 0 });
    // Time passing emits nothing more for either subject.
    expect(harness.feed([tick(day(40))])).toEqual([]);
  });
});
