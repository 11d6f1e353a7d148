import { describe, expect, it } from 'vitest';
import { createRandom, createWeightedPicker } from '../../simulator/index.ts';

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const draw = (seed: number | string): number[] => {
      const random = createRandom(seed);
      return Array.from({ length: 50 }, () => random.uint32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw('label')).toEqual(draw('label'));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('keeps values in range', () => {
    const random = createRandom(9);
    for (let n = 0; n < 10_000; n += 1) {
      const float = random.float();
      expect(float >= 0 && float < 1).toBe(true);
      const between = random.between(3, 5);
      expect(between >= 3 && between <= 5 && Number.isInteger(between)).toBe(true);
    }
    expect(random.hex(16)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('forks independent streams without moving the parent', () => {
    const parent = createRandom(4);
    const untouched = createRandom(4);
    const child = parent.fork('child');
    expect(child.uint32()).not.toBe(untouched.uint32());
    expect(parent.uint32()).toBe(createRandom(4).uint32());
  });

  it('is roughly uniform and weighted pickers follow their weights', () => {
    const random = createRandom(123);
    const buckets = new Array<number>(10).fill(0);
    for (let n = 0; n < 100_000; n += 1) buckets[random.int(10)]! += 1;
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    const picker = createWeightedPicker(['a', 'b', 'c'], [1, 3, 0]);
    const picked = { a: 0, b: 0, c: 0 };
    for (let n = 0; n < 40_000; n += 1) picked[picker.pick(random) as 'a' | 'b' | 'c'] += 1;
    expect(picked.c).toBe(0);
    expect(Math.abs(picked.b / 40_000 - 0.75)).toBeLessThan(0.02);
    expect(picker.probability(1)).toBe(0.75);
  });
});
