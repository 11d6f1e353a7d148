import { describe, expect, it } from 'vitest';
import { budgetWindowBounds } from '../../../policies/privacy/index.ts';

const bounds = (window: 'day' | 'week' | 'month', at: string) => {
  const { start, end } = budgetWindowBounds(window, new Date(at));
  return [start.toISOString(), end.toISOString()];
};

describe('budgetWindowBounds (UTC calendar windows)', () => {
  it('days run from 00:00Z to 00:00Z', () => {
    expect(bounds('day', '2026-03-10T23:59:59.999Z')).toEqual([
      '2026-03-10T00:00:00.000Z',
      '2026-03-11T00:00:00.000Z',
    ]);
    expect(bounds('day', '2026-03-11T01:00:00+02:00')).toEqual([
      '2026-03-10T00:00:00.000Z',
      '2026-03-11T00:00:00.000Z',
    ]);
  });

  it('weeks are ISO weeks, Monday to Monday', () => {
    // 2026-03-15 is a Sunday: it belongs to the week that began on Monday 9 March.
    expect(bounds('week', '2026-03-15T12:00:00Z')).toEqual([
      '2026-03-09T00:00:00.000Z',
      '2026-03-16T00:00:00.000Z',
    ]);
    expect(bounds('week', '2026-03-16T00:00:00Z')).toEqual([
      '2026-03-16T00:00:00.000Z',
      '2026-03-23T00:00:00.000Z',
    ]);
    // Across a year boundary.
    expect(bounds('week', '2027-01-01T00:00:00Z')).toEqual([
      '2026-12-28T00:00:00.000Z',
      '2027-01-04T00:00:00.000Z',
    ]);
  });

  it('months run from the 1st, including February of a leap year', () => {
    expect(bounds('month', '2028-02-29T10:00:00Z')).toEqual([
      '2028-02-01T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ]);
    expect(bounds('month', '2026-12-31T23:00:00Z')).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ]);
  });
});
