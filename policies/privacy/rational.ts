import { InvalidPrivacyParameterError } from './errors.ts';

/** An exact non-negative fraction. */
export interface Rational {
  numerator: bigint;
  denominator: bigint;
}

/** Epsilons carry at most this many decimal places; budgets count in millionths (micro-epsilon). */
export const EPSILON_DECIMAL_PLACES = 6;
const MICRO = 10n ** BigInt(EPSILON_DECIMAL_PLACES);

/**
 * The decimal number `value` as an exact fraction with denominator 10^6, truncated (never rounded up)
 * after six decimal places, so a converted epsilon never promises less noise than was asked for.
 * Parsed from the number's shortest decimal form, not from its binary expansion: 1.005 stays 1005000/10^6.
 */
export function decimalToMicroUnits(value: number, parameter = 'epsilon'): bigint {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidPrivacyParameterError(parameter, 'must be a finite non-negative number');
  }
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(value));
  if (match === null) throw new InvalidPrivacyParameterError(parameter, `cannot read ${String(value)}`);
  const [, whole = '0', fraction = '', exponentText = '0'] = match;
  const digits = BigInt(whole + fraction);
  // value = digits * 10^(exponent - fraction.length); scale by 10^6.
  const power = Number(exponentText) - fraction.length + EPSILON_DECIMAL_PLACES;
  return power >= 0 ? digits * 10n ** BigInt(power) : digits / 10n ** BigInt(-power);
}

/** `epsilon` as an exact fraction (see {@link decimalToMicroUnits}); must be positive after truncation. */
export function epsilonToRational(epsilon: number): Rational {
  const micro = decimalToMicroUnits(epsilon);
  if (micro === 0n) throw new InvalidPrivacyParameterError('epsilon', 'must be at least 0.000001');
  const divisor = gcd(micro, MICRO);
  return { numerator: micro / divisor, denominator: MICRO / divisor };
}

/** `epsilon` in integer millionths, the unit budgets are kept in (no floating-point drift). */
export function epsilonToMicro(epsilon: number): number {
  return Number(decimalToMicroUnits(epsilon));
}

/** Integer millionths back to a decimal epsilon for display. */
export function microToEpsilon(micro: number): number {
  return micro / Number(MICRO);
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}
