import { describe, expect, it } from 'vitest';
import {
  decimalToMicroUnits,
  epsilonToMicro,
  epsilonToRational,
  InvalidPrivacyParameterError,
  microToEpsilon,
} from '../../../policies/privacy/index.ts';

describe('epsilon as an exact fraction', () => {
  it.each([
    [1, 1n, 1n],
    [0.5, 1n, 2n],
    [0.1, 1n, 10n],
    [1.005, 201n, 200n],
    [0.000001, 1n, 1_000_000n],
    [2.25, 9n, 4n],
  ])('%d -> %i/%i', (epsilon, numerator, denominator) => {
    expect(epsilonToRational(epsilon)).toEqual({ numerator, denominator });
  });

  it('reads the decimal form, not the binary expansion (1.005 is not 1.00499999…)', () => {
    expect(decimalToMicroUnits(1.005)).toBe(1_005_000n);
    expect(decimalToMicroUnits(1e-7)).toBe(0n);
    expect(decimalToMicroUnits(1.5e21)).toBe(15n * 10n ** 26n);
  });

  it('truncates beyond six places, never rounding epsilon up', () => {
    expect(epsilonToMicro(0.3333339)).toBe(333_333);
    expect(epsilonToMicro(0.9999999)).toBe(999_999);
  });

  it('round-trips micro-epsilon', () => {
    expect(microToEpsilon(epsilonToMicro(0.25))).toBe(0.25);
  });

  it('refuses negative, non-finite and too-small epsilons', () => {
    expect(() => epsilonToRational(-1)).toThrow(InvalidPrivacyParameterError);
    expect(() => epsilonToRational(Number.NaN)).toThrow(InvalidPrivacyParameterError);
    expect(() => epsilonToRational(Number.POSITIVE_INFINITY)).toThrow(InvalidPrivacyParameterError);
    expect(() => epsilonToRational(0.0000001)).toThrow(/at least 0.000001/);
  });
});
