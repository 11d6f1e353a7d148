/**
 * A seeded pseudo-random generator for the simulator: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator) seeded through splitmix32. Same seed, same sequence, on every machine. Never use it for anything
 * secret: privacy noise and keys come from node:crypto.
 */

/** A seeded source of numbers with the helpers the simulator needs. */
export interface Random {
  /** The next 32-bit unsigned integer. */
  uint32(): number;
  /** A float in [0, 1). */
  float(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** An integer in [min, max], both inclusive. */
  between(min: number, max: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** An exponentially distributed value with the given mean (Poisson inter-arrival times). */
  exponential(mean: number): number;
  /** `length` lower-case hex digits. */
  hex(length: number): string;
  /** An independent generator derived from this one's seed and a label (the parent's sequence is untouched). */
  fork(label: string): Random;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a of a string, to turn labels and string seeds into 32-bit numbers. */
export function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i += 1) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const HEX = '0123456789abcdef';

/**
 * A generator seeded by a number or a string.
 *
 * @example
 * const random = createRandom(7);
 * random.pick(['west', 'east']);
 */
export function createRandom(seed: number | string): Random {
  const seedNumber = typeof seed === 'number' ? seed >>> 0 : hashLabel(seed);
  const mix = splitmix32(seedNumber ^ 0x5eed5eed);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm up so nearby seeds diverge at once.
  for (let i = 0; i < 12; i += 1) uint32();
  const float = (): number => uint32() / 4294967296;
  const int = (maxExclusive: number): number => Math.floor(float() * maxExclusive);
  return {
    uint32,
    float,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (probability) => float() < probability,
    pick<T>(items: readonly T[]): T {
      return items[int(items.length)] as T;
    },
    exponential: (mean) => -Math.log(1 - float()) * mean,
    hex(length) {
      let out = '';
      for (let i = 0; i < length; i += 1) out += HEX[uint32() & 15];
      return out;
    },
    fork: (label) => createRandom((seedNumber ^ hashLabel(label)) >>> 0),
  };
}

/** Picks items by fixed weights in O(log n) using a cumulative table. */
export interface WeightedPicker<T> {
  pick(random: Random): T;
  /** The normalized probability of the item at `index`. */
  probability(index: number): number;
}

/** Build a {@link WeightedPicker} over items and their (non-negative, not all zero) weights. */
export function createWeightedPicker<T>(items: readonly T[], weights: readonly number[]): WeightedPicker<T> {
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) {
    total += weight;
    cumulative.push(total);
  }
  return {
    pick(random) {
      const target = random.float() * total;
      let low = 0;
      let high = cumulative.length - 1;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((cumulative[mid] as number) > target) high = mid;
        else low = mid + 1;
      }
      return items[low] as T;
    },
    probability: (index) => (weights[index] ?? 0) / total,
  };
}
