import { describe, expect, it } from 'vitest';
import {
  createAttributionEngine,
  createCampaignDirectory,
  isHeldOut,
} from '../../../processors/attribution/index.ts';
import type { AttributionAggregate, AttributionCredit, CampaignInfo } from '../../../schema/index.ts';
import { attributionRecordSchema } from '../../../schema/index.ts';
import { DAY, HOUR, T0, campaign, exposure, purchase, verdict } from './fixtures.ts';

function setup(campaigns: CampaignInfo[] = [campaign()]) {
  return createAttributionEngine({ campaigns: createCampaignDirectory(campaigns) });
}

const byModel = (credits: AttributionCredit[], model: string) => credits.filter((c) => c.model === model);
const aggregate = (rows: AttributionAggregate[], model: string, channel = 'online') =>
  rows.find((row) => row.model === model && row.channel === channel && row.day === '2026-03-01');

describe('attribution engine (golden cases)', () => {
  it('credits a click inside the lookback under all five models and writes valid records', () => {
    const engine = setup();
    expect(engine.observeEvent(exposure('ad:k1', 'click', T0 - 2 * HOUR))).toEqual([]);
    const credits = engine.observeEvent(purchase('tx:p1', T0));
    expect(credits).toHaveLength(5);
    for (const credit of credits) {
      expect(attributionRecordSchema.parse(credit)).toEqual(credit);
      expect(credit).toMatchObject({
        weight: 1,
        revenue: 10,
        match: 'direct',
        retracted: false,
        day: '2026-03-01',
      });
      expect(credit.creditId).toBe(`credit:${credit.model}:tx:p1:ad:k1`);
    }
    const rows = engine.flush();
    expect(aggregate(rows, 'last_touch')).toMatchObject({
      aggregateId: 'agg:c1:2026-03-01:online:last_touch',
      exposedSubjects: 1,
      convertingSubjects: 1,
      conversions: 1,
      revenue: 10,
      directRevenue: 10,
      haloRevenue: 0,
      spend: 0.5,
      version: 1,
    });
  });

  it('includes a click exactly 14 days back and a view exactly 1 day back, and nothing older or later', () => {
    const engine = setup();
    engine.observeEvent(exposure('ad:k-edge', 'click', T0 - 14 * DAY));
    engine.observeEvent(exposure('ad:k-old', 'click', T0 - 14 * DAY - 1));
    engine.observeEvent(exposure('ad:v-edge', 'impression', T0 - DAY));
    engine.observeEvent(exposure('ad:v-old', 'impression', T0 - DAY - 1));
    engine.observeEvent(exposure('ad:k-after', 'click', T0 + 1));
    const linear = byModel(engine.observeEvent(purchase('tx:p1', T0)), 'linear');
    expect(linear.map((c) => [c.exposureEventId, c.weight]).sort()).toEqual([
      ['ad:k-edge', 0.5],
      ['ad:v-edge', 0.5],
    ]);
  });

  it('honours per-campaign lookbacks', () => {
    const engine = setup([campaign({ clickLookbackDays: 7, viewLookbackDays: 0 })]);
    engine.observeEvent(exposure('ad:k', 'click', T0 - 8 * DAY));
    engine.observeEvent(exposure('ad:v', 'impression', T0 - HOUR));
    expect(engine.observeEvent(purchase('tx:p1', T0))).toEqual([]);
  });

  it('gives last touch to a click over a later view', () => {
    const engine = setup();
    engine.observeEvent(exposure('ad:k', 'click', T0 - 3 * DAY));
    engine.observeEvent(exposure('ad:v', 'impression', T0 - HOUR));
    const credits = engine.observeEvent(purchase('tx:p1', T0));
    expect(byModel(credits, 'last_touch').map((c) => [c.exposureEventId, c.exposureType, c.weight])).toEqual([
      ['ad:k', 'click', 1],
    ]);
    expect(byModel(credits, 'position_based').map((c) => c.weight)).toEqual([0.5, 0.5]);
  });

  it('retracts credit when a late IVT verdict says the click was invalid, and restates the aggregates', () => {
    const engine = setup();
    engine.observeEvent(exposure('ad:view', 'impression', T0 - 3 * HOUR));
    engine.observeEvent(exposure('ad:bad', 'click', T0 - 2 * HOUR));
    engine.observeEvent(purchase('tx:p1', T0));
    const before = engine.flush();
    expect(aggregate(before, 'last_touch')).toMatchObject({
      version: 1,
      conversions: 1,
      revenue: 10,
      spend: 1,
    });

    const changes = engine.observeVerdict(verdict('ad:bad', T0 - 2 * HOUR, false, 1));
    const lastTouch = byModel(changes, 'last_touch');
    expect(lastTouch).toContainEqual(
      expect.objectContaining({ exposureEventId: 'ad:bad', retracted: true, weight: 1 }),
    );
    expect(lastTouch).toContainEqual(
      expect.objectContaining({ exposureEventId: 'ad:view', retracted: false, weight: 1 }),
    );
    const linear = byModel(changes, 'linear');
    expect(linear).toContainEqual(expect.objectContaining({ exposureEventId: 'ad:bad', retracted: true }));
    expect(linear).toContainEqual(
      expect.objectContaining({ exposureEventId: 'ad:view', weight: 1, revenue: 10 }),
    );
    const after = engine.flush();
    // Conversions and revenue stay (the view still earns them); the invalid click's spend is withdrawn.
    expect(aggregate(after, 'last_touch')).toMatchObject({
      version: 2,
      conversions: 1,
      revenue: 10,
      spend: 0.5,
    });

    // An older revision arriving late changes nothing.
    expect(engine.observeVerdict(verdict('ad:bad', T0 - 2 * HOUR, true, 0))).toEqual([]);
  });

  it('retracts everything when the only touch turns out invalid', () => {
    const engine = setup();
    engine.observeEvent(exposure('ad:bad', 'click', T0 - 2 * HOUR));
    engine.observeEvent(purchase('tx:p1', T0));
    engine.flush();
    const changes = engine.observeVerdict(verdict('ad:bad', T0 - 2 * HOUR, false, 1));
    expect(changes).toHaveLength(5);
    expect(changes.every((c) => c.retracted)).toBe(true);
    expect(aggregate(engine.flush(), 'linear')).toMatchObject({
      version: 2,
      exposedSubjects: 0,
      convertingSubjects: 0,
      conversions: 0,
      revenue: 0,
      spend: 0,
    });
  });

  it('never credits an exposure whose invalid verdict arrived first', () => {
    const engine = setup();
    engine.observeVerdict(verdict('ad:bad', T0 - HOUR, false));
    engine.observeEvent(exposure('ad:bad', 'click', T0 - HOUR));
    expect(engine.observeEvent(purchase('tx:p1', T0))).toEqual([]);
    // Nothing was ever counted, so no row changed.
    expect(engine.flush()).toEqual([]);
  });

  it('credits an exposure that arrives after the conversion it precedes', () => {
    const engine = setup();
    engine.observeEvent(purchase('tx:p1', T0));
    const credits = engine.observeEvent(exposure('ad:k', 'click', T0 - HOUR));
    expect(credits).toHaveLength(5);
  });

  it('restates revenue on a return (negative quantity)', () => {
    const engine = setup();
    engine.observeEvent(exposure('ad:k', 'click', T0 - HOUR));
    const items = [{ sku: 'sku-1', category: 'snacks', brand: 'Acme', quantity: 2, unitPrice: 10 }];
    expect(byModel(engine.observeEvent(purchase('tx:p1', T0, items)), 'last_touch')[0]?.revenue).toBe(20);
    engine.flush();
    const back = [{ sku: 'sku-1', category: 'snacks', brand: 'Acme', quantity: -1, unitPrice: 10 }];
    const restated = engine.observeEvent(purchase('tx:r1', T0 + 2 * DAY, back));
    expect(byModel(restated, 'last_touch')).toEqual([
      expect.objectContaining({
        creditId: 'credit:last_touch:tx:p1:ad:k',
        revenue: 10,
        weight: 1,
        retracted: false,
      }),
    ]);
    expect(aggregate(engine.flush(), 'last_touch')).toMatchObject({
      conversions: 1,
      revenue: 10,
      version: 2,
    });
    // The same return delivered twice is applied once.
    expect(engine.observeEvent(purchase('tx:r1', T0 + 2 * DAY, back))).toEqual([]);
  });

  it('reports direct and halo revenue apart', () => {
    const engine = setup();
    engine.observeEvent(exposure('ad:k', 'click', T0 - HOUR));
    const items = [
      { sku: 'sku-1', category: 'snacks', brand: 'Acme', quantity: 1, unitPrice: 5 },
      { sku: 'sku-2', category: 'snacks', brand: 'Acme', quantity: 1, unitPrice: 3 },
      { sku: 'sku-9', category: 'dairy', brand: 'Other', quantity: 1, unitPrice: 100 },
    ];
    engine.observeEvent(purchase('tx:p1', T0, items));
    expect(aggregate(engine.flush(), 'first_touch')).toMatchObject({
      revenue: 8,
      directRevenue: 5,
      haloRevenue: 3,
    });

    const haloOnly = setup();
    haloOnly.observeEvent(exposure('ad:k', 'click', T0 - HOUR));
    const credits = haloOnly.observeEvent(purchase('tx:p2', T0, [items[1]!]));
    expect(credits[0]).toMatchObject({ match: 'halo', revenue: 3 });
  });

  it('attributes an in-store purchase (loyalty-resolved subject) to an online click', () => {
    const engine = setup();
    engine.observeEvent(exposure('ad:k', 'click', T0 - DAY));
    const credits = engine.observeEvent(
      purchase('tx:store', T0, undefined, { channel: 'store', storeId: 'st-1' }),
    );
    expect(credits[0]).toMatchObject({ channel: 'store', weight: 1 });
    expect(aggregate(engine.flush(), 'last_touch', 'store')).toMatchObject({ conversions: 1, revenue: 10 });
  });

  it('records held-out subjects as ghost exposures, never credited, and reports both groups', () => {
    const withHoldout = campaign({ holdoutPercent: 50 });
    const subjects = Array.from({ length: 40 }, (_, i) => `s${i}`);
    const held = subjects.filter((s) => isHeldOut(s, 'c1', 50));
    const exposed = subjects.filter((s) => !isHeldOut(s, 'c1', 50));
    expect(held.length).toBeGreaterThan(5);
    expect(exposed.length).toBeGreaterThan(5);
    const engine = setup([withHoldout]);
    let ghostCredits = 0;
    for (const subjectId of subjects) {
      engine.observeEvent(exposure(`ad:k-${subjectId}`, 'click', T0 - HOUR, { subjectId }));
    }
    // Three held-out and two exposed subjects buy.
    for (const subjectId of [...held.slice(0, 3), ...exposed.slice(0, 2)]) {
      const credits = engine.observeEvent(purchase(`tx:${subjectId}`, T0, undefined, { subjectId }));
      if (held.includes(subjectId)) ghostCredits += credits.length;
      else expect(credits).toHaveLength(5);
    }
    expect(ghostCredits).toBe(0);
    const exposedRate = 2 / exposed.length;
    const holdoutRate = 3 / held.length;
    expect(aggregate(engine.flush(), 'last_touch')?.holdout).toEqual({
      exposedSubjects: exposed.length,
      exposedConverters: 2,
      holdoutSubjects: held.length,
      holdoutConverters: 3,
      exposedConversionRate: Math.round(exposedRate * 1e6) / 1e6,
      holdoutConversionRate: Math.round(holdoutRate * 1e6) / 1e6,
      lift: Math.round((exposedRate / holdoutRate - 1) * 1e6) / 1e6,
    });
  });

  it('purges a subject that withdraws measurement consent', () => {
    const engine = setup();
    engine.observeEvent(exposure('ad:k', 'click', T0 - HOUR));
    engine.observeEvent(purchase('tx:p1', T0));
    engine.flush();
    const consent = { measurement: false, personalization: false, partnerSharing: false };
    const retracted = engine.observeConsent({
      changeId: 'consent:1',
      subjectId: 's1',
      occurredAt: new Date(T0).toISOString(),
      consent,
      erased: false,
    });
    expect(retracted).toHaveLength(5);
    expect(aggregate(engine.flush(), 'linear')).toMatchObject({
      exposedSubjects: 0,
      convertingSubjects: 0,
      revenue: 0,
      spend: 0,
    });
  });
});
