import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bernoulliExpNeg,
  createCryptoRandomSource,
  discreteLaplacePmf,
  InvalidPrivacyParameterError,
  sampleDiscreteLaplace,
} from '../../../policies/privacy/index.ts';
import type { RandomSource } from '../../../policies/privacy/index.ts';
import { chiSquareSymmetric } from './chi-square.ts';
import { createSeededRandomSource } from './seeded-random.ts';

interface PmfVector {
  scale: number;
  x: number;
  probability: string;
}
const { vectors } = JSON.parse(
  readFileSync(new URL('./vectors/discrete-laplace-pmf.json', import.meta.url), 'utf8'),
) as { vectors: PmfVector[] };

/** P(X > cutoff) for the discrete Laplace of `scale`: p^(cutoff+1) / (1 + p). */
function tailProbability(scale: number, cutoff: number): number {
  const p = Math.exp(-1 / scale);
  return p ** (cutoff + 1) / (1 + p);
}

function histogram(draws: number, sample: () => bigint): Map<number, number> {
  const counts = new Map<number, number>();
  for (let draw = 0; draw < draws; draw += 1) {
    const value = Number(sample());
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

function goodnessOfFit(
  scale: { numerator: number; denominator: number },
  testedScale: number,
  draws: number,
  rng: RandomSource,
  alpha: number,
) {
  const counts = histogram(draws, () => sampleDiscreteLaplace(scale.numerator, scale.denominator, rng));
  return chiSquareSymmetric(
    counts,
    draws,
    (x) => discreteLaplacePmf(x, testedScale),
    (cutoff) => tailProbability(testedScale, cutoff),
    alpha,
  );
}

describe('discreteLaplacePmf', () => {
  it.each(vectors)(
    'matches the independently computed P($x) at scale $scale',
    ({ scale, x, probability }) => {
      const expected = Number(probability);
      expect(Math.abs(discreteLaplacePmf(x, scale) - expected)).toBeLessThan(expected * 1e-12);
    },
  );
});

describe('sampleDiscreteLaplace', () => {
  const DRAWS = 1_000_000;
  const ALPHA = 0.001;

  // Seeded only here, so the test is reproducible; production draws come from the CSPRNG.
  it.each([
    { label: '0.5', numerator: 1, denominator: 2, seed: 101 },
    { label: '1', numerator: 1, denominator: 1, seed: 202 },
    { label: '2', numerator: 2, denominator: 1, seed: 303 },
    { label: '5', numerator: 5, denominator: 1, seed: 404 },
  ])(`matches the exact pmf over ${DRAWS} draws at scale $label (chi-square, alpha ${ALPHA})`, (scale) => {
    const result = goodnessOfFit(
      scale,
      scale.numerator / scale.denominator,
      DRAWS,
      createSeededRandomSource(scale.seed),
      ALPHA,
    );
    expect(result.degreesOfFreedom).toBeGreaterThanOrEqual(10);
    expect(result.statistic).toBeLessThanOrEqual(result.critical);
  });

  it('has the power to reject a 10% wrong scale (the chi-square test can fail)', () => {
    const result = goodnessOfFit(
      { numerator: 1, denominator: 1 },
      1.1,
      200_000,
      createSeededRandomSource(7),
      ALPHA,
    );
    expect(result.statistic).toBeGreaterThan(result.critical);
  });

  it('draws from the CSPRNG with the same distribution (alpha 1e-6, unseeded)', () => {
    const result = goodnessOfFit(
      { numerator: 3, denominator: 2 },
      1.5,
      200_000,
      createCryptoRandomSource(),
      0.000001,
    );
    expect(result.statistic).toBeLessThanOrEqual(result.critical);
  });

  it('handles a large rational scale exactly (bounds beyond 32 bits)', () => {
    const rng = createSeededRandomSource(9);
    const draws = Array.from({ length: 2_000 }, () => sampleDiscreteLaplace(10n ** 12n, 10n ** 11n, rng));
    const meanAbsolute = draws.reduce((sum, value) => sum + Math.abs(Number(value)), 0) / draws.length;
    // E|X| = 2p / (1 - p^2) with p = exp(-1/10) ≈ 9.98; the bound leaves 8+ standard errors either side.
    expect(meanAbsolute).toBeGreaterThan(8);
    expect(meanAbsolute).toBeLessThan(12);
  });

  it('refuses a scale that is not a ratio of positive integers', () => {
    const rng = createSeededRandomSource(1);
    expect(() => sampleDiscreteLaplace(0, 1, rng)).toThrow(InvalidPrivacyParameterError);
    expect(() => sampleDiscreteLaplace(1.5, 1, rng)).toThrow(InvalidPrivacyParameterError);
    expect(() => sampleDiscreteLaplace(1, -2n, rng)).toThrow(InvalidPrivacyParameterError);
  });
});

describe('bernoulliExpNeg', () => {
  it('is certain at gamma = 0', () => {
    const rng = createSeededRandomSource(3);
    for (let draw = 0; draw < 1_000; draw += 1) expect(bernoulliExpNeg(rng, 0n, 5n)).toBe(true);
  });

  it.each([
    [1, 2],
    [1, 1],
    [5, 2],
    [7, 3],
  ])('is true with probability exp(-%i/%i)', (numerator, denominator) => {
    const rng = createSeededRandomSource(numerator * 31 + denominator);
    const draws = 200_000;
    let hits = 0;
    for (let draw = 0; draw < draws; draw += 1) {
      if (bernoulliExpNeg(rng, BigInt(numerator), BigInt(denominator))) hits += 1;
    }
    const probability = Math.exp(-numerator / denominator);
    const standardError = Math.sqrt((probability * (1 - probability)) / draws);
    expect(Math.abs(hits / draws - probability)).toBeLessThan(5 * standardError);
  });
});
