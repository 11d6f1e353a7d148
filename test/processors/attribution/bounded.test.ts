/**
 * Contribution bounds, worked by hand: which cells a subject keeps, the clamps, restatements when the kept cells
 * change, withdrawal, pruning and the bounds recorded in every aggregate.
 */
import { describe, expect, it } from 'vitest';
import {
  createAttributionEngine,
  createCampaignDirectory,
  createMemoryAttributionState,
} from '../../../processors/attribution/index.ts';
import type { AttributionEngine, ContributionBounds } from '../../../processors/attribution/index.ts';
import type { AttributionAggregate } from '../../../schema/index.ts';
import { attributionAggregateSchema } from '../../../schema/index.ts';
import { DAY, HOUR, T0, campaign, exposure, purchase, verdict } from './fixtures.ts';

const BOUNDS: ContributionBounds = { conversions: 3, revenue: 200, spend: 50, cellsPerCampaign: 4 };
const DAY0 = '2026-03-01';
const dayOf = (offset: number) => new Date(T0 + offset * DAY).toISOString().slice(0, 10);

function setup(bounds: ContributionBounds = BOUNDS) {
  const state = createMemoryAttributionState();
  const engine = createAttributionEngine({
    campaigns: createCampaignDirectory([campaign()]),
    config: { contributionBounds: bounds },
    state,
  });
  const latest = new Map<string, AttributionAggregate>();
  const flush = () => {
    for (const aggregate of engine.flush()) latest.set(aggregate.aggregateId, aggregate);
  };
  const row = (day: string, model = 'linear', channel = 'online') => {
    flush();
    return latest.get(`agg:c1:${day}:${channel}:${model}`);
  };
  return { engine, state, row, flush, latest };
}

const item = (quantity: number, unitPrice = 10) => [
  { sku: 'sku-1', category: 'snacks', brand: 'Acme', quantity, unitPrice },
];

function withdraw(engine: AttributionEngine, subjectId = 's1', erased = false) {
  return engine.observeConsent({
    changeId: `consent:${subjectId}:${erased}`,
    subjectId,
    occurredAt: new Date(T0).toISOString(),
    consent: { measurement: false, personalization: false, partnerSharing: false },
    erased,
  });
}

describe('bounded sums (hand-worked)', () => {
  it('keeps a subject in its earliest cellsPerCampaign cells only, while the exact sums count every cell', () => {
    const { engine, row } = setup();
    for (let offset = 0; offset < 6; offset += 1)
      engine.observeEvent(exposure(`ad:e${offset}`, 'impression', T0 + offset * DAY));
    for (let offset = 0; offset < 6; offset += 1) {
      const aggregate = row(dayOf(offset))!;
      expect(aggregate.exposedSubjects).toBe(1);
      expect(aggregate.spend).toBe(0.5);
      expect(aggregate.bounded).toMatchObject(
        offset < 4 ? { exposedSubjects: 1, spend: 0.5 } : { exposedSubjects: 0, spend: 0 },
      );
    }
  });

  it('clamps spend, conversions and revenue per subject and cell, and records the bounds applied', () => {
    const { engine, row } = setup();
    engine.observeEvent(exposure('ad:k1', 'click', T0 - 3 * HOUR, { cost: 30 }));
    engine.observeEvent(exposure('ad:k2', 'click', T0 - 2 * HOUR, { cost: 30 }));
    for (let n = 0; n < 5; n += 1) engine.observeEvent(purchase(`tx:p${n}`, T0 + n * HOUR, item(6, 10)));
    const aggregate = row(DAY0, 'last_touch')!;
    expect(attributionAggregateSchema.parse(aggregate)).toEqual(aggregate);
    expect(aggregate).toMatchObject({ exposedSubjects: 1, conversions: 5, revenue: 300, spend: 60 });
    expect(aggregate.bounded).toEqual({
      bounds: BOUNDS,
      exposedSubjects: 1,
      convertingSubjects: 1,
      conversions: 3,
      revenue: 200,
      spend: 50,
    });
  });

  it('takes the subject out of its latest kept cell when a late exposure makes an earlier cell, and back on retraction', () => {
    const { engine, row } = setup({ ...BOUNDS, cellsPerCampaign: 2 });
    engine.observeEvent(exposure('ad:d2', 'impression', T0 + 2 * DAY));
    engine.observeEvent(exposure('ad:d3', 'impression', T0 + 3 * DAY));
    engine.observeEvent(exposure('ad:d4', 'impression', T0 + 4 * DAY));
    expect([2, 3, 4].map((offset) => row(dayOf(offset))!.bounded!.exposedSubjects)).toEqual([1, 1, 0]);
    // A late impression on day 1: days 1 and 2 are now the earliest; day 3 is restated without the subject.
    engine.observeEvent(exposure('ad:d1', 'impression', T0 + DAY));
    expect([1, 2, 3, 4].map((offset) => row(dayOf(offset))!.bounded!.exposedSubjects)).toEqual([1, 1, 0, 0]);
    // A late verdict finds the day-1 impression invalid: day 3 is kept again.
    engine.observeVerdict(verdict('ad:d1', T0 + DAY, false, 1));
    expect([1, 2, 3, 4].map((offset) => row(dayOf(offset))!.bounded!.exposedSubjects)).toEqual([0, 1, 1, 0]);
    expect(row(dayOf(1))!.exposedSubjects).toBe(0);
  });

  it('counts a conversion in its own day and channel, and follows a return into the bounded revenue', () => {
    const { engine, row } = setup();
    engine.observeEvent(exposure('ad:k', 'click', T0 - DAY));
    engine.observeEvent(purchase('tx:store', T0, item(30), { channel: 'store', storeId: 'st-1' }));
    expect(row(DAY0, 'linear', 'store')!.bounded).toMatchObject({
      exposedSubjects: 1,
      convertingSubjects: 1,
      conversions: 1,
      revenue: 200,
      spend: 0,
    });
    const back = [{ sku: 'sku-1', category: 'snacks', brand: 'Acme', quantity: -25, unitPrice: 10 }];
    engine.observeEvent(purchase('tx:return', T0 + DAY, back));
    expect(row(DAY0, 'linear', 'store')).toMatchObject({ revenue: 50, bounded: { revenue: 50 } });
  });

  it('takes a withdrawn or erased subject out of every bounded sum, including days whose events were pruned', () => {
    const { engine, row, state } = setup();
    engine.observeEvent(exposure('ad:old', 'click', T0 - 2 * HOUR));
    engine.observeEvent(purchase('tx:old', T0, item(1)));
    engine.observeEvent(exposure('ad:other', 'click', T0, { subjectId: 's2' }));
    const before = row(DAY0)!.bounded;
    expect(before).toMatchObject({ exposedSubjects: 2, convertingSubjects: 1, conversions: 1, revenue: 10 });
    // Forty days later every event of day 0 is pruned; the published sums do not move.
    engine.prune(T0 + 40 * DAY);
    expect(state.snapshot().subjects.find(([id]) => id === 's1')?.[1].exposures).toEqual([]);
    expect(row(DAY0)!.bounded).toEqual(before);
    withdraw(engine, 's1');
    expect(row(DAY0)!.bounded).toMatchObject({
      exposedSubjects: 1,
      convertingSubjects: 0,
      conversions: 0,
      revenue: 0,
      spend: 0.5,
    });
    withdraw(engine, 's2', true);
    expect(row(DAY0)!.bounded).toMatchObject({ exposedSubjects: 0, spend: 0 });
    expect(state.snapshot().subjects).toEqual([]);
  });

  it('remembers kept cells across pruning, so a subject coming back later gains no cells beyond the bound', () => {
    const { engine, row } = setup({ ...BOUNDS, cellsPerCampaign: 2 });
    engine.observeEvent(exposure('ad:a', 'impression', T0));
    engine.observeEvent(exposure('ad:b', 'impression', T0 + DAY));
    engine.prune(T0 + 40 * DAY);
    engine.observeEvent(exposure('ad:c', 'impression', T0 + 45 * DAY));
    engine.observeEvent(exposure('ad:d', 'impression', T0 + 46 * DAY));
    expect([0, 1, 45, 46].map((offset) => row(dayOf(offset))!.bounded!.exposedSubjects)).toEqual([
      1, 1, 0, 0,
    ]);
  });

  it('restates every kept cell when the host changes its bounds', () => {
    const state = createMemoryAttributionState();
    const directory = createCampaignDirectory([campaign()]);
    const first = createAttributionEngine({
      campaigns: directory,
      config: { contributionBounds: BOUNDS },
      state,
    });
    first.observeEvent(exposure('ad:k', 'click', T0 - HOUR, { cost: 40 }));
    first.flush();
    const tighter = { ...BOUNDS, spend: 10 };
    const second = createAttributionEngine({
      campaigns: directory,
      config: { contributionBounds: tighter },
      state,
    });
    second.observeEvent(exposure('ad:v', 'impression', T0 + 2 * HOUR, { cost: 1 }));
    const aggregate = second.flush().find((row) => row.aggregateId === `agg:c1:${DAY0}:online:linear`)!;
    // The subject is clamped to the new bound; the row records the larger bound it was ever computed with.
    expect(aggregate.bounded).toMatchObject({ spend: 10, bounds: { ...tighter, spend: 50 } });
  });
});
