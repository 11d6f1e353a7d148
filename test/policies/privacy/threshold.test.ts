import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyThreshold,
  BelowThresholdError,
  InvalidPrivacyParameterError,
  noisyCount,
  requireThreshold,
} from '../../../policies/privacy/index.ts';
import { createSeededRandomSource } from './seeded-random.ts';

interface ReportRow {
  day: string;
  subjects: ReadonlySet<string>;
  events: number;
  conversions: number;
  revenue: number;
}

describe('applyThreshold', () => {
  it('counts distinct subjects, never rows or events', () => {
    const rows: ReportRow[] = [
      // 100 events from 3 shoppers: suppressed at k = 5 however many events there are.
      { day: 'd1', subjects: new Set(['a', 'b', 'c']), events: 100, conversions: 7, revenue: 70 },
      { day: 'd2', subjects: new Set(['a', 'b', 'c', 'd', 'e']), events: 5, conversions: 2, revenue: 20 },
      { day: 'd3', subjects: new Set(['f']), events: 1, conversions: 1, revenue: 5 },
    ];
    const { rows: kept, filteredRows } = applyThreshold(rows, 5, (row) => row.subjects.size, [
      'conversions',
      'revenue',
    ]);
    expect(kept.map((row) => row.day)).toEqual(['d2']);
    expect(filteredRows).toEqual({ count: 2, conversions: 8, revenue: 75 });
  });

  it('suppresses rows whose count is NaN or negative', () => {
    const { rows } = applyThreshold([{ n: Number.NaN }, { n: -1 }, { n: 50 }], 50, (row) => row.n);
    expect(rows).toEqual([{ n: 50 }]);
  });

  it('refuses a threshold that is not a positive integer', () => {
    expect(() => applyThreshold([], 0, () => 1)).toThrow(InvalidPrivacyParameterError);
    expect(() => applyThreshold([], 2.5, () => 1)).toThrow(InvalidPrivacyParameterError);
  });

  it('property: no output row has fewer distinct subjects than k, and totals are kept', () => {
    const row = fc.record({
      subjects: fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 120 }),
      conversions: fc.integer({ min: 0, max: 1_000 }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.integer({ min: 1, max: 150 }), (rows, k) => {
        const distinct = (r: { subjects: number[] }): number => new Set(r.subjects).size;
        const { rows: kept, filteredRows } = applyThreshold(rows, k, distinct, ['conversions']);
        expect(kept.every((r) => distinct(r) >= k)).toBe(true);
        expect(kept.length + filteredRows.count).toBe(rows.length);
        const total = (list: { conversions: number }[]) => list.reduce((sum, r) => sum + r.conversions, 0);
        expect(total(kept) + filteredRows.conversions).toBe(total(rows));
      }),
      { numRuns: 300 },
    );
  });

  it('property: thresholding then noising never releases a row below k', () => {
    const rng = createSeededRandomSource(77);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 200 }),
        (subjectCounts, k) => {
          const rows = subjectCounts.map((distinctSubjects) => ({
            distinctSubjects,
            value: distinctSubjects,
          }));
          const released = applyThreshold(rows, k, (r) => r.distinctSubjects).rows.map((r) => ({
            ...r,
            value: noisyCount(r.value, 0.5, 1, rng),
          }));
          expect(released.every((r) => r.distinctSubjects >= k)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('requireThreshold', () => {
  it('throws BELOW_THRESHOLD without revealing the true count', () => {
    let caught: unknown;
    try {
      requireThreshold(37, 50);
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BelowThresholdError);
    expect((caught as BelowThresholdError).code).toBe('BELOW_THRESHOLD');
    expect((caught as BelowThresholdError).message).not.toContain('37');
  });

  it('passes at and above k', () => {
    expect(() => requireThreshold(50, 50)).not.toThrow();
    expect(() => requireThreshold(51, 50)).not.toThrow();
  });
});
