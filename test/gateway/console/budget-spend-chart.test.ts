/**
 * The console's spending histogram: whatever the time and the mix of budget windows, no bucket straddles the start
 * of a partner's window, so epsilon spent just after a window opened is on that window's line. (A week-long
 * histogram once began at an arbitrary minute; its bucket that crossed midnight hid a day's first spends.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spendHistogramRange, windowBounds } from '../../../gateway/console/src/budget-spend-chart.ts';
import type { BudgetRow } from '../../../gateway/console/src/budget-chart.ts';

const WINDOWS = ['day', 'week', 'month'] as const;
const row = (window: string): BudgetRow => ({
  partnerId: `partner-${window}`,
  window,
  epsilonLimit: 10,
  epsilonSpent: 0,
  epsilonRemaining: 10,
});

/** The gateway's bucket rule (decisionHistogram): buckets of `bucketSeconds` counted from `since`. */
const bucketStartOf = (at: number, since: number, bucketSeconds: number) =>
  since + Math.floor((at - since) / (bucketSeconds * 1000)) * bucketSeconds * 1000;

describe('spendHistogramRange', () => {
  it('puts every spend after a window opened in a bucket that starts inside that window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
        fc.subarray([...WINDOWS], { minLength: 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (nowMs, windows, fraction) => {
          const now = new Date(nowMs);
          const budgets = windows.map(row);
          const { since, bucketSeconds } = spendHistogramRange(budgets, now);
          expect(since).toBeLessThanOrEqual(nowMs - 3_600_000);
          expect((nowMs - since) / 1000 / bucketSeconds).toBeLessThanOrEqual(241);
          for (const budget of budgets) {
            const { start } = windowBounds(budget.window, now);
            expect(since).toBeLessThanOrEqual(start);
            const spentAt = Math.floor(start + fraction * (nowMs - start));
            expect(bucketStartOf(spentAt, since, bucketSeconds)).toBeGreaterThanOrEqual(start);
            expect(bucketStartOf(start - 1, since, bucketSeconds)).toBeLessThan(start);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('keeps a spend in the first minutes of a day on the line of a day window beside a week window', () => {
    // 00:20 on a Thursday: the histogram spans the week, and the day began 20 minutes ago.
    const now = new Date('2026-12-03T00:20:00.000Z');
    const { since, bucketSeconds } = spendHistogramRange([row('day'), row('week')], now);
    const dayStart = Date.parse('2026-12-03T00:00:00.000Z');
    expect(since).toBe(Date.parse('2026-11-30T00:00:00.000Z'));
    expect(bucketStartOf(dayStart + 5 * 60_000, since, bucketSeconds)).toBe(dayStart);
  });
});
