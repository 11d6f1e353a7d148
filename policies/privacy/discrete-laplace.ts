import { InvalidPrivacyParameterError } from './errors.ts';
import { bernoulliRational, uniformBelow } from './random-source.ts';
import type { RandomSource } from './random-source.ts';

/**
 * Exact samplers from Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy"
 * (NeurIPS 2020), section 5: every probability is a ratio of integers and every draw is a uniform
 * integer from a {@link RandomSource}. There is no floating point anywhere on the sampling path, so the
 * output distribution is exactly the one analysed (the failure Mironov 2012 found in textbook Laplace
 * sampling — a floating-point log of a uniform — cannot happen here).
 */

/** A positive integer given as a number (safe integer) or a bigint. */
export type PositiveInteger = number | bigint;

function toPositiveBigInt(value: PositiveInteger, parameter: string): bigint {
  if (typeof value === 'bigint') {
    if (value > 0n) return value;
  } else if (Number.isSafeInteger(value) && value > 0) {
    return BigInt(value);
  }
  throw new InvalidPrivacyParameterError(parameter, 'must be a positive integer');
}

/**
 * Bernoulli(exp(-numerator/denominator)) for numerator >= 0, denominator > 0 (CKS Algorithm 1).
 * For gamma in [0, 1] it counts how long a run of Bernoulli(gamma/k) successes lasts and answers whether
 * that length is even (the alternating series of exp(-gamma)); for gamma > 1 it multiplies floor(gamma)
 * independent Bernoulli(exp(-1)) draws with one Bernoulli(exp(-(gamma - floor(gamma)))).
 */
export function bernoulliExpNeg(rng: RandomSource, numerator: bigint, denominator: bigint): boolean {
  if (numerator < 0n || denominator <= 0n) {
    throw new InvalidPrivacyParameterError(
      'gamma',
      'must be a non-negative ratio with a positive denominator',
    );
  }
  if (numerator <= denominator) return bernoulliExpNegAtMostOne(rng, numerator, denominator);
  const wholeSteps = numerator / denominator;
  for (let step = 0n; step < wholeSteps; step += 1n) {
    if (!bernoulliExpNegAtMostOne(rng, 1n, 1n)) return false;
  }
  return bernoulliExpNegAtMostOne(rng, numerator % denominator, denominator);
}

function bernoulliExpNegAtMostOne(rng: RandomSource, numerator: bigint, denominator: bigint): boolean {
  let k = 1n;
  while (bernoulliRational(rng, numerator, denominator * k)) k += 1n;
  return k % 2n === 1n;
}

/**
 * One draw from the discrete Laplace distribution on the integers with scale
 * `scaleNumerator / scaleDenominator` (CKS Algorithm 2): P(x) = (1 - p) / (1 + p) * p^|x| with
 * p = exp(-scaleDenominator / scaleNumerator). Adding it to a query of sensitivity Δ gives ε-DP when
 * scale = Δ / ε.
 *
 * @example
 * const noise = sampleDiscreteLaplace(2, 1, createCryptoRandomSource()); // scale 2
 */
export function sampleDiscreteLaplace(
  scaleNumerator: PositiveInteger,
  scaleDenominator: PositiveInteger,
  rng: RandomSource,
): bigint {
  const t = toPositiveBigInt(scaleNumerator, 'scaleNumerator');
  const s = toPositiveBigInt(scaleDenominator, 'scaleDenominator');
  for (;;) {
    // X = U + t*V is geometric with parameter exp(-1/t): U is its remainder mod t (accepted with
    // probability exp(-U/t)) and V its quotient (a run of Bernoulli(exp(-1)) successes).
    const remainder = uniformBelow(rng, t);
    if (!bernoulliExpNeg(rng, remainder, t)) continue;
    let quotient = 0n;
    while (bernoulliExpNeg(rng, 1n, 1n)) quotient += 1n;
    const magnitude = (remainder + t * quotient) / s;
    const negative = bernoulliRational(rng, 1n, 2n);
    // Zero would otherwise be produced twice as often (as +0 and -0).
    if (negative && magnitude === 0n) continue;
    return negative ? -magnitude : magnitude;
  }
}

/**
 * The exact probability mass of {@link sampleDiscreteLaplace} at `x` for a (real) `scale`, in floating
 * point. For tests and documentation only; sampling never uses it.
 */
export function discreteLaplacePmf(x: number, scale: number): number {
  const p = Math.exp(-1 / scale);
  return ((1 - p) / (1 + p)) * p ** Math.abs(x);
}
