import { describe, expect, it } from 'vitest';
import {
  bernoulliRational,
  createCryptoRandomSource,
  uniformBelow,
} from '../../../policies/privacy/index.ts';
import type { RandomSource } from '../../../policies/privacy/index.ts';
import { chiSquareCritical } from './chi-square.ts';
import { createSeededRandomSource } from './seeded-random.ts';

/** A source that replays fixed words: shows which draws are rejected. */
function scripted(words: number[]): RandomSource & { used: () => number } {
  let index = 0;
  return {
    nextUint32() {
      const word = words[index];
      if (word === undefined) throw new Error('script exhausted');
      index += 1;
      return word;
    },
    used: () => index,
  };
}

describe('uniformBelow', () => {
  it('rejects the biased top of the 32-bit range instead of reducing it modulo the bound', () => {
    // 2^32 mod 3 = 1, so 0xffffffff is the one rejected word for bound 3.
    const rng = scripted([0xffff_ffff, 4]);
    expect(uniformBelow(rng, 3n)).toBe(1n);
    expect(rng.used()).toBe(2);
  });

  it('is uniform over a small bound (chi-square, seeded)', () => {
    const rng = createSeededRandomSource(11);
    const bound = 7;
    const draws = 70_000;
    const counts = new Array<number>(bound).fill(0);
    for (let draw = 0; draw < draws; draw += 1) {
      const value = Number(uniformBelow(rng, BigInt(bound)));
      counts[value] = (counts[value] ?? 0) + 1;
    }
    const expected = draws / bound;
    const statistic = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(statistic).toBeLessThan(chiSquareCritical(bound - 1, 0.001));
  });

  it('covers bounds wider than 32 bits, staying below the bound', () => {
    const rng = createSeededRandomSource(12);
    const bound = 3n * 2n ** 40n + 5n;
    let sawHighHalf = false;
    for (let draw = 0; draw < 2_000; draw += 1) {
      const value = uniformBelow(rng, bound);
      expect(value >= 0n && value < bound).toBe(true);
      if (value > bound / 2n) sawHighHalf = true;
    }
    expect(sawHighHalf).toBe(true);
  });

  it('refuses a non-positive bound', () => {
    expect(() => uniformBelow(createSeededRandomSource(1), 0n)).toThrow(RangeError);
  });
});

describe('createCryptoRandomSource', () => {
  it('yields 32-bit words that are not constant', () => {
    const rng = createCryptoRandomSource();
    const words = Array.from({ length: 2_000 }, () => rng.nextUint32());
    expect(words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff_ffff)).toBe(true);
    expect(new Set(words).size).toBeGreaterThan(1_990);
  });
});

describe('bernoulliRational', () => {
  it('is exact at the extremes', () => {
    const rng = createSeededRandomSource(5);
    for (let draw = 0; draw < 500; draw += 1) {
      expect(bernoulliRational(rng, 0n, 9n)).toBe(false);
      expect(bernoulliRational(rng, 9n, 9n)).toBe(true);
    }
  });
});
