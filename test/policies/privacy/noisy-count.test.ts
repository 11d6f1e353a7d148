import { describe, expect, it } from 'vitest';
import { InvalidPrivacyParameterError, noisyCount } from '../../../policies/privacy/index.ts';
import { createSeededRandomSource } from './seeded-random.ts';

describe('noisyCount', () => {
  it('adds integer noise whose spread is sensitivity / epsilon', () => {
    const rng = createSeededRandomSource(21);
    const spread = (epsilon: number, sensitivity: number): number => {
      let sum = 0;
      const draws = 20_000;
      for (let draw = 0; draw < draws; draw += 1) {
        const value = noisyCount(1_000, epsilon, sensitivity, rng);
        expect(Number.isInteger(value)).toBe(true);
        sum += Math.abs(value - 1_000);
      }
      return sum / draws;
    };
    const meanAbsoluteNoise = (scale: number): number => {
      const p = Math.exp(-1 / scale);
      return (2 * p) / (1 - p * p);
    };
    // Scale 2 (epsilon 0.5) and scale 10 (sensitivity 5, epsilon 0.5); 20k draws keep the error under 5%.
    expect(spread(0.5, 1) / meanAbsoluteNoise(2)).toBeCloseTo(1, 1);
    expect(spread(0.5, 5) / meanAbsoluteNoise(10)).toBeCloseTo(1, 1);
  });

  it('uses the CSPRNG when no source is given', () => {
    const values = new Set(Array.from({ length: 200 }, () => noisyCount(50, 0.1)));
    expect(values.size).toBeGreaterThan(10);
  });

  it('refuses a fractional count, a zero sensitivity and a zero epsilon', () => {
    expect(() => noisyCount(1.5, 1)).toThrow(InvalidPrivacyParameterError);
    expect(() => noisyCount(10, 1, 0)).toThrow(InvalidPrivacyParameterError);
    expect(() => noisyCount(10, 0)).toThrow(InvalidPrivacyParameterError);
  });
});
