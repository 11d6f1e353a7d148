import { InvalidPrivacyParameterError } from './errors.ts';

/**
 * Bounds each subject's contribution to [-bound, bound] before an aggregate is noised, so one subject
 * moves a sum by at most `bound` (the sensitivity the noise is scaled to). Returns a new map; the count
 * of subjects that were clamped is reported for the audit summary, never who they were.
 *
 * @example
 * const { values } = clampContributions(new Map([['s1', 12], ['s2', 3]]), 5); // s1 -> 5, s2 -> 3
 */
export function clampContributions<SubjectId>(
  perSubjectValues: ReadonlyMap<SubjectId, number>,
  bound: number,
): { values: Map<SubjectId, number>; clampedSubjects: number } {
  if (!Number.isFinite(bound) || bound <= 0) {
    throw new InvalidPrivacyParameterError('bound', 'must be a finite positive number');
  }
  const values = new Map<SubjectId, number>();
  let clampedSubjects = 0;
  for (const [subject, value] of perSubjectValues) {
    if (Number.isNaN(value)) throw new InvalidPrivacyParameterError('contribution', 'must be a number');
    const clamped = Math.min(bound, Math.max(-bound, value));
    if (clamped !== value) clampedSubjects += 1;
    values.set(subject, clamped);
  }
  return { values, clampedSubjects };
}

/** The sum of contributions after {@link clampContributions}; its sensitivity is `bound`. */
export function boundedSum<SubjectId>(
  perSubjectValues: ReadonlyMap<SubjectId, number>,
  bound: number,
): number {
  let sum = 0;
  for (const value of clampContributions(perSubjectValues, bound).values.values()) sum += value;
  return sum;
}
