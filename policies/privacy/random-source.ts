import { randomFillSync } from 'node:crypto';

/**
 * Where the privacy layer's randomness comes from: 32 uniform bits at a time. Production uses
 * {@link createCryptoRandomSource} (node:crypto); only tests inject a seeded source.
 */
export interface RandomSource {
  /** A uniformly random integer in [0, 2^32). */
  nextUint32(): number;
}

const BUFFER_BYTES = 4096;
const TWO_POW_32 = 0x1_0000_0000;

/**
 * A {@link RandomSource} backed by the operating system's CSPRNG (`crypto.randomFillSync`), buffered
 * 4 KiB at a time so a draw does not cost a system call.
 */
export function createCryptoRandomSource(): RandomSource {
  const buffer = new Uint32Array(BUFFER_BYTES / 4);
  let position = buffer.length;
  return {
    nextUint32(): number {
      if (position === buffer.length) {
        randomFillSync(buffer);
        position = 0;
      }
      const value = buffer[position] as number;
      // Wipe what was handed out so the buffer never holds a used random value.
      buffer[position] = 0;
      position += 1;
      return value;
    },
  };
}

/**
 * A uniformly random integer in [0, bound), exactly: rejection sampling, never modulo bias and never
 * floating point. `bound` must be a positive integer.
 */
export function uniformBelow(rng: RandomSource, bound: bigint): bigint {
  if (bound <= 0n) throw new RangeError('uniformBelow: bound must be positive');
  if (bound <= 0xffff_ffffn) return BigInt(uniformBelowSmall(rng, Number(bound)));
  const bits = bound.toString(2).length;
  const words = Math.ceil(bits / 32);
  const excess = BigInt(words * 32 - bits);
  for (;;) {
    let candidate = 0n;
    for (let word = 0; word < words; word += 1) candidate = (candidate << 32n) | BigInt(rng.nextUint32());
    candidate >>= excess;
    if (candidate < bound) return candidate;
  }
}

/** {@link uniformBelow} for a bound that fits in 32 bits, on plain numbers (exact: all values < 2^32). */
export function uniformBelowSmall(rng: RandomSource, bound: number): number {
  // The largest multiple of `bound` that fits in 2^32; draws at or above it are rejected.
  const limit = TWO_POW_32 - (TWO_POW_32 % bound);
  for (;;) {
    const draw = rng.nextUint32();
    if (draw < limit) return draw % bound;
  }
}

/** True with probability numerator / denominator, exactly (0 <= numerator <= denominator). */
export function bernoulliRational(rng: RandomSource, numerator: bigint, denominator: bigint): boolean {
  return uniformBelow(rng, denominator) < numerator;
}
