import { BelowThresholdError, InvalidPrivacyParameterError } from './errors.ts';

/** The names of a row's numeric fields: the measures that can be summed into the filtered-rows summary. */
export type NumericField<Row> = {
  [Field in keyof Row]-?: Row[Field] extends number ? Field : never;
}[keyof Row] &
  string;

/** Rows suppressed by a threshold, rolled into one summary: how many, and each named measure summed. */
export type FilteredRowsSummary<Measure extends string> = { count: number } & Record<Measure, number>;

/** The result of {@link applyThreshold}. */
export interface ThresholdResult<Row, Measure extends string> {
  /** Only rows whose distinct-subject count is at least k, in their original order. */
  rows: Row[];
  /** Everything else, summed, so totals stay honest. Noise these measures like any other row. */
  filteredRows: FilteredRowsSummary<Measure>;
}

function assertThreshold(k: number): void {
  if (!Number.isSafeInteger(k) || k < 1)
    throw new InvalidPrivacyParameterError('k', 'must be a positive integer');
}

/**
 * Keeps the rows whose count of DISTINCT subjects is at least `k` — never a count of rows or events —
 * and rolls the rest into one filtered-rows summary.
 *
 * @example
 * const { rows, filteredRows } = applyThreshold(report, 50, (row) => row.exposedSubjects, ['conversions']);
 */
export function applyThreshold<Row, Measure extends NumericField<Row> = never>(
  rows: readonly Row[],
  k: number,
  distinctSubjectsOf: (row: Row) => number,
  measures: readonly Measure[] = [],
): ThresholdResult<Row, Measure> {
  assertThreshold(k);
  const kept: Row[] = [];
  const sums = Object.fromEntries(measures.map((measure) => [measure, 0])) as Record<Measure, number>;
  let filteredCount = 0;
  for (const row of rows) {
    const distinctSubjects = distinctSubjectsOf(row);
    // NaN or a negative count fails this comparison too: anything not provably >= k is suppressed.
    if (distinctSubjects >= k) {
      kept.push(row);
      continue;
    }
    filteredCount += 1;
    for (const measure of measures) sums[measure] += row[measure] as number;
  }
  return { rows: kept, filteredRows: { ...sums, count: filteredCount } };
}

/**
 * For single-value answers (a segment size, an overlap): throws {@link BelowThresholdError} unless the
 * distinct-subject count reaches `k`.
 */
export function requireThreshold(distinctSubjects: number, k: number): void {
  assertThreshold(k);
  if (!(distinctSubjects >= k)) throw new BelowThresholdError(k);
}
