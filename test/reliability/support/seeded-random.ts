/**
 * A small seeded PRNG (mulberry32) so every "random" choice in the reliability suite can be replayed from the
 * seed printed in a failure. The seed itself comes from the CSPRNG unless `CLEANROOM_RELIABILITY_SEED` is set.
 */
import { randomInt } from 'node:crypto';

/** A seeded source of uniform numbers. */
export interface SeededRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** The suite's seed: `CLEANROOM_RELIABILITY_SEED` or a fresh CSPRNG value. */
export function suiteSeed(): number {
  const fromEnv = Number(process.env.CLEANROOM_RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : randomInt(1, 2 ** 31 - 1);
}

/** Create a mulberry32 generator. */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}
