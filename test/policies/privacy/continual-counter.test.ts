import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createContinualCounter, coveringNodes, treeLevels } from '../../../policies/privacy/index.ts';
import { createSeededRandomSource } from './seeded-random.ts';

const rangeOf = (node: { level: number; index: number }) => ({
  from: node.index * 2 ** node.level + 1,
  to: (node.index + 1) * 2 ** node.level,
});

/** Variance of discrete Laplace noise with P[z] proportional to exp(-|z| / scale). */
function discreteLaplaceVariance(scale: number): number {
  const q = Math.exp(-1 / scale);
  return (2 * q) / (1 - q) ** 2;
}

describe('covering nodes of a prefix', () => {
  it('are disjoint dyadic intervals whose union is exactly [1, t], one per 1-bit of t', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (tick) => {
        const nodes = coveringNodes(tick);
        let next = 1;
        for (const node of nodes) {
          const { from, to } = rangeOf(node);
          expect(from).toBe(next);
          next = to + 1;
        }
        expect(next - 1).toBe(tick);
        expect(nodes.length).toBe(tick.toString(2).replaceAll('0', '').length);
      }),
    );
  });

  it('never need, at a later tick, a node that ends by an earlier tick unless the earlier tick used it', () => {
    // Why the counter may forget every node outside the latest prefix without ever redrawing a released one.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), (a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const earlier = new Set(coveringNodes(early).map((n) => `${n.level}:${n.index}`));
        for (const node of coveringNodes(late)) {
          if (rangeOf(node).to <= early) expect(earlier.has(`${node.level}:${node.index}`)).toBe(true);
        }
      }),
    );
  });

  it('put each tick of the horizon in at most `levels` nodes, so node noise scales with levels', () => {
    const horizon = 1_000;
    const levels = treeLevels(horizon);
    expect(levels).toBe(10);
    const uses = new Map<number, Set<string>>();
    for (let tick = 1; tick <= horizon; tick += 1) {
      for (const node of coveringNodes(tick)) {
        const { from, to } = rangeOf(node);
        for (let position = from; position <= to; position += 1) {
          const own = uses.get(position) ?? new Set<string>();
          own.add(`${node.level}:${node.index}`);
          uses.set(position, own);
        }
      }
    }
    for (const nodes of uses.values()) expect(nodes.size).toBeLessThanOrEqual(levels);
  });
});

describe('the continual counter', () => {
  it('answers the same tick with the same noise, also after a restart from its saved state', () => {
    const counter = createContinualCounter({
      horizon: 1_000,
      epsilon: 0.5,
      sensitivity: 2,
      rng: createSeededRandomSource(7),
    });
    const first = counter.release(37, 500);
    expect(counter.release(37, 500)).toBe(first);
    const restored = createContinualCounter({
      horizon: 1_000,
      epsilon: 0.5,
      sensitivity: 2,
      rng: createSeededRandomSource(99),
      state: counter.state(),
    });
    expect(restored.release(37, 500)).toBe(first);
    // The noise of a shared node stays: [1, 32] (level 5, index 0) covers both 37 and 38.
    const shared = restored.state().noise['5:0'];
    restored.release(38, 500);
    expect(restored.state().noise['5:0']).toBe(shared);
    expect(() => restored.release(36, 500)).toThrow(/must not go back/);
  });

  it('has, at tick t, an error whose variance is popcount(t) node variances (2,000 independent streams)', () => {
    const epsilon = 1;
    const sensitivity = 1;
    const horizon = 1_000;
    const levels = treeLevels(horizon);
    const scale = (levels * sensitivity) / epsilon;
    const tick = 1_000; // 1111101000 in binary: 6 nodes
    const runs = 2_000;
    const rng = createSeededRandomSource(2026);
    let sumSquares = 0;
    let sum = 0;
    for (let run = 0; run < runs; run += 1) {
      const counter = createContinualCounter({ horizon, epsilon, sensitivity, rng });
      const error = counter.release(tick, 10_000) - 10_000;
      sum += error;
      sumSquares += error * error;
    }
    const expectedVariance = 6 * discreteLaplaceVariance(scale);
    const mean = sum / runs;
    const variance = sumSquares / runs - mean * mean;
    // The sample variance of 2,000 draws of a sum of six Laplace-like terms is within ~10% of the truth with
    // overwhelming probability (its relative standard error is about sqrt((kurtosis - 1) / n) ~ 4%).
    expect(variance / expectedVariance).toBeGreaterThan(0.85);
    expect(variance / expectedVariance).toBeLessThan(1.15);
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(expectedVariance / runs));
  });

  it('stays within the union bound levels * scale * ln(4T / beta) over 1,000 ticks of a real stream', () => {
    const horizon = 1_000;
    const epsilon = 0.5;
    const sensitivity = 2;
    const levels = treeLevels(horizon);
    const scale = (levels * sensitivity) / epsilon;
    const beta = 1e-6;
    // Each of the at most 2T nodes exceeds scale * ln(4T / beta) in absolute value with probability at most
    // beta / (2T); a prefix sums at most `levels` nodes.
    const bound = levels * scale * Math.log((4 * horizon) / beta);
    const rng = createSeededRandomSource(11);
    for (let stream = 0; stream < 20; stream += 1) {
      const counter = createContinualCounter({ horizon, epsilon, sensitivity, rng });
      let exact = 0;
      let worst = 0;
      for (let tick = 1; tick <= horizon; tick += 1) {
        exact += (tick * 7919 + stream) % 5;
        worst = Math.max(worst, Math.abs(counter.release(tick, exact) - exact));
      }
      expect(worst).toBeLessThanOrEqual(bound);
      // And the mechanism's noise is not vanishingly small: a continual counter that forgot to noise would pass
      // the bound above, so check the error really has the scale analysed.
      expect(worst).toBeGreaterThan(scale);
    }
  });

  it('refuses a tick beyond its horizon and a state saved for another horizon', () => {
    const counter = createContinualCounter({ horizon: 10, epsilon: 1, sensitivity: 1 });
    expect(() => counter.release(11, 0)).toThrow(/tick/);
    expect(() =>
      createContinualCounter({ horizon: 20, epsilon: 1, sensitivity: 1, state: counter.state() }),
    ).toThrow(/another horizon/);
  });
});
