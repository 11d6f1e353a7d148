/**
 * The rules of a bid multiplier (schema/bid-rules.ts): each reason moves the bid the right way for its input,
 * stays neutral without enough data, and the multiplier is the clamped product of the factors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BID_RULES,
  conversionReason,
  flightReason,
  invalidTrafficReason,
  movedEnough,
  multiplierOf,
  pacingReason,
  stockReason,
} from '../../schema/index.ts';
import type { BidReason } from '../../schema/index.ts';

const campaign = { clicks: 400, conversions: 40 };
const HOUR = 3_600_000;
const noon = Date.parse('2026-03-02T12:00:00Z');

describe('conversion rate against the campaign', () => {
  it('raises a placement that converts better and lowers one that converts worse', () => {
    const better = conversionReason({ clicks: 100, conversions: 25 }, campaign);
    const same = conversionReason({ clicks: 100, conversions: 10 }, campaign);
    const worse = conversionReason({ clicks: 100, conversions: 1 }, campaign);
    expect(better.factor).toBeGreaterThan(1);
    expect(same.factor).toBe(1);
    expect(worse.factor).toBeLessThan(1);
    expect(better.note).toBe('converts better than the campaign');
    expect(worse.observed['campaignRate']).toBe(0.1);
  });

  it('rises with the placement’s conversions and stays within [0.5, 2]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), (clicks, extra) => {
        const conversions = Math.min(clicks, extra);
        const lower = conversionReason({ clicks, conversions }, campaign).factor;
        const higher = conversionReason({ clicks, conversions: conversions + 1 }, campaign).factor;
        expect(higher).toBeGreaterThanOrEqual(lower);
        expect(lower).toBeGreaterThanOrEqual(BID_RULES.minConversionFactor);
        expect(higher).toBeLessThanOrEqual(BID_RULES.maxConversionFactor);
      }),
    );
  });

  it('shrinks a placement with few clicks towards the campaign', () => {
    const few = conversionReason({ clicks: 2, conversions: 2 }, campaign).factor;
    const many = conversionReason({ clicks: 200, conversions: 200 }, campaign).factor;
    expect(few).toBeGreaterThan(1);
    expect(few).toBeLessThan(many);
  });

  it('is neutral until the campaign has enough clicks and a conversion', () => {
    const early = conversionReason(
      { clicks: 5, conversions: 5 },
      { clicks: BID_RULES.minClicks - 1, conversions: 5 },
    );
    expect(early.factor).toBe(1);
    expect(early.note).toBe('not enough clicks and conversions yet');
    expect(conversionReason({ clicks: 50, conversions: 0 }, { clicks: 100, conversions: 0 }).factor).toBe(1);
  });
});

describe('stock', () => {
  it('follows the share of the campaign’s lines in stock, down to 0 when every line is out', () => {
    expect(stockReason({ linesKnown: 10, linesInStock: 10 }).factor).toBe(1);
    expect(stockReason({ linesKnown: 10, linesInStock: 7 }).factor).toBe(0.7);
    expect(stockReason({ linesKnown: 10, linesInStock: 0 })).toMatchObject({
      factor: 0,
      note: 'every line out of stock',
    });
    expect(stockReason({ linesKnown: 0, linesInStock: 0 }).factor).toBe(1);
  });
});

describe('invalid traffic of the placement', () => {
  it('lowers the bid as the invalid share grows and stops it at half', () => {
    expect(invalidTrafficReason({ adEvents: 100, invalidAdEvents: 0 }).factor).toBe(1);
    expect(invalidTrafficReason({ adEvents: 100, invalidAdEvents: 25 }).factor).toBe(0.5);
    expect(invalidTrafficReason({ adEvents: 100, invalidAdEvents: 50 }).factor).toBe(0);
    expect(invalidTrafficReason({ adEvents: 100, invalidAdEvents: 90 }).factor).toBe(0);
    fc.assert(
      fc.property(
        fc.integer({ min: BID_RULES.minAdEvents, max: 5_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (events, share) => {
          const invalid = Math.floor(events * share);
          const less = invalidTrafficReason({ adEvents: events, invalidAdEvents: invalid }).factor;
          const more = invalidTrafficReason({
            adEvents: events,
            invalidAdEvents: Math.min(events, invalid + 1),
          }).factor;
          expect(more).toBeLessThanOrEqual(less);
        },
      ),
    );
  });

  it('is neutral below the minimum of ad events', () => {
    expect(invalidTrafficReason({ adEvents: BID_RULES.minAdEvents - 1, invalidAdEvents: 40 }).factor).toBe(1);
  });
});

describe('pacing against the daily flight plan', () => {
  it('raises a campaign behind plan, lowers one ahead, and stops one that spent its day', () => {
    // At noon half the day's budget is planned.
    const behind = pacingReason({ dailyBudget: 100, spentToday: 25, atMs: noon });
    const onPlan = pacingReason({ dailyBudget: 100, spentToday: 50, atMs: noon });
    const ahead = pacingReason({ dailyBudget: 100, spentToday: 80, atMs: noon });
    const spent = pacingReason({ dailyBudget: 100, spentToday: 100, atMs: noon });
    expect(behind.factor).toBe(BID_RULES.maxPacingFactor);
    expect(onPlan.factor).toBeCloseTo(1, 2);
    expect(ahead.factor).toBeLessThan(1);
    expect(ahead.factor).toBeGreaterThanOrEqual(BID_RULES.minPacingFactor);
    expect(spent).toMatchObject({ factor: 0, note: "the day's budget is spent" });
    expect(behind.observed['plannedByNow']).toBe(50);
  });

  it('plans at least an hour’s budget just after midnight, and is neutral without a budget', () => {
    const midnight = Date.parse('2026-03-02T00:00:01Z');
    expect(pacingReason({ dailyBudget: 240, spentToday: 10, atMs: midnight }).factor).toBe(1);
    expect(pacingReason({ dailyBudget: undefined, spentToday: 10_000, atMs: noon + HOUR }).factor).toBe(1);
  });
});

describe('flight and the multiplier', () => {
  it('is 0 outside the flight', () => {
    const flight = { startsAt: '2026-03-02T00:00:00Z', endsAt: '2026-03-03T00:00:00Z' };
    expect(flightReason(flight, noon).factor).toBe(1);
    expect(flightReason(flight, Date.parse('2026-03-01T12:00:00Z'))).toMatchObject({
      factor: 0,
      note: 'flight not started',
    });
    expect(flightReason(flight, Date.parse('2026-03-03T00:00:00Z'))).toMatchObject({
      factor: 0,
      note: 'flight ended',
    });
    expect(flightReason({ startsAt: flight.startsAt }, Date.parse('2030-01-01T00:00:00Z')).factor).toBe(1);
  });

  it('multiplies the factors, clamped to [0, 3]', () => {
    const reason = (factor: number): BidReason => ({ code: 'stock', factor, note: '', observed: {} });
    expect(multiplierOf([reason(1.5), reason(0.5)])).toBe(0.75);
    expect(multiplierOf([reason(2), reason(1.5), reason(1.5)])).toBe(BID_RULES.maxMultiplier);
    expect(multiplierOf([reason(2), reason(0)])).toBe(0);
  });

  it('writes a new record only when the multiplier or a factor moved enough, or bidding stops or restarts', () => {
    const reasons = (stock: number): BidReason[] => [
      { code: 'stock', factor: stock, note: '', observed: {} },
    ];
    const last = { multiplier: 1, factors: { stock: 1 } };
    expect(movedEnough(undefined, 1, reasons(1))).toBe(true);
    expect(movedEnough(last, 0.98, reasons(0.98))).toBe(false);
    expect(movedEnough(last, 0.9, reasons(0.9))).toBe(true);
    expect(movedEnough({ multiplier: 0.02, factors: { stock: 0.02 } }, 0, reasons(0))).toBe(true);
  });
});
