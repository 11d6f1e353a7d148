import { describe, expect, it } from 'vitest';
import {
  boundedSum,
  clampContributions,
  InvalidPrivacyParameterError,
} from '../../../policies/privacy/index.ts';

describe('clampContributions', () => {
  it('bounds each subject to [-bound, bound] and counts how many were clamped', () => {
    const input = new Map([
      ['subject-a', 12],
      ['subject-b', 3],
      ['subject-c', -9],
    ]);
    const { values, clampedSubjects } = clampContributions(input, 5);
    expect([...values]).toEqual([
      ['subject-a', 5],
      ['subject-b', 3],
      ['subject-c', -5],
    ]);
    expect(clampedSubjects).toBe(2);
    expect(input.get('subject-a')).toBe(12);
  });

  it('gives sums whose sensitivity is the bound', () => {
    const withOne = new Map([
      ['a', 100],
      ['b', 2],
    ]);
    const without = new Map([['b', 2]]);
    expect(boundedSum(withOne, 4) - boundedSum(without, 4)).toBeLessThanOrEqual(4);
  });

  it('refuses a non-positive bound and NaN contributions', () => {
    expect(() => clampContributions(new Map([['a', 1]]), 0)).toThrow(InvalidPrivacyParameterError);
    expect(() => clampContributions(new Map([['a', Number.NaN]]), 1)).toThrow(InvalidPrivacyParameterError);
  });
});
