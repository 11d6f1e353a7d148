/**
 * The trigger release is differentially private in what partners can see: whether a window fires. Over many runs,
 * each with a fresh noise key (the real keyed mechanism and judge of stage 2), the firing probability of a window
 * with and without one buyer must satisfy p <= e^epsilon x p' + delta, both ways. Probabilities are estimated from
 * `RUNS` runs each; the check allows the Hoeffding margin m = sqrt(ln(2 / 1e-6) / (2 x RUNS)) on each estimate (so
 * a correct mechanism fails it with probability below 1e-6 per comparison): p^ <= e^epsilon (p'^ + m) + delta + m.
 * The datasets are chosen so that this bound is well below 1 (the check could fail), and a mechanism whose noise is
 * far too small for its claimed epsilon is shown to fail it.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { discreteLaplaceUpperTail } from '../../../policies/privacy/index.ts';
import { EMPTY_BASELINE, createTriggerMechanism, judgeWindow } from '../../../processors/triggers/index.ts';
import type { JudgeSettings, TriggerMechanism } from '../../../processors/triggers/index.ts';

const RUNS = 2_000;
const MARGIN = Math.sqrt(Math.log(2 / 1e-6) / (2 * RUNS));
const HOUR = 3_600_000;
const JUDGE: JudgeSettings = {
  windowMs: HOUR,
  liftThreshold: 2,
  ewmaAlpha: 0.3,
  warmupWindows: 3,
  minBaseline: 1,
};
/** The host configuration's defaults: epsilon 1 a window, 5 units and 3 cells per buyer, delta 1e-6, k 50. */
const honest = (): TriggerMechanism => createTriggerMechanism(randomBytes(32));
const EPSILON = honest().parameters.epsilon;

/** Clamped demand of one key: units of four history windows, then the judged window's units and buyers. */
interface Dataset {
  history: number[];
  units: number;
  buyers: number;
}

/** How often the judged window fires over `RUNS` fresh keys. */
function firingRate(dataset: Dataset, mechanismOf: () => TriggerMechanism): number {
  let fired = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const mechanism = mechanismOf();
    let baseline = EMPTY_BASELINE;
    dataset.history.forEach((units, index) => {
      baseline = judgeWindow(
        {
          key: 'plant|west',
          windowStart: index * HOUR,
          boundedUnits: units,
          boundedBuyers: 60,
          baseline,
          historyStart: 0,
        },
        JUDGE,
        mechanism,
      ).baseline;
    });
    const { judgement } = judgeWindow(
      {
        key: 'plant|west',
        windowStart: dataset.history.length * HOUR,
        boundedUnits: dataset.units,
        boundedBuyers: dataset.buyers,
        baseline,
        historyStart: 0,
      },
      JUDGE,
      mechanism,
    );
    if (judgement?.fired === true) fired += 1;
  }
  return fired / RUNS;
}

/** Whether the estimates are consistent with e^epsilon-closeness (+ delta) both ways, given the margins. */
function withinBound(p: number, q: number, epsilon: number, delta: number): boolean {
  const bound = (x: number) => Math.exp(epsilon) * (x + MARGIN) + delta + MARGIN;
  return p <= bound(q) && q <= bound(p);
}

describe('trigger firing is differentially private (statistical, fresh keys)', () => {
  const delta = honest().parameters.delta;

  it('changes by at most e^epsilon (+ delta) when one buyer joins the judged window', () => {
    // The buyer adds the most it can to this cell: 5 units and itself.
    const withBuyer: Dataset = { history: [60, 60, 60, 60], units: 150, buyers: 80 };
    const without: Dataset = { history: [60, 60, 60, 60], units: 145, buyers: 79 };
    const p = firingRate(withBuyer, honest);
    const q = firingRate(without, honest);
    console.log(
      `one buyer in the window: p = ${p}, p' = ${q}, margin ${MARGIN.toFixed(3)}, e^eps ${Math.exp(EPSILON).toFixed(3)}`,
    );
    // Informative: the bound is far below 1, so a mechanism that gave the buyer away would fail it.
    expect(Math.exp(EPSILON) * (q + MARGIN) + delta + MARGIN).toBeLessThan(0.6);
    expect(withinBound(p, q, EPSILON, delta)).toBe(true);
  });

  it('changes by at most e^epsilon (+ delta) when one buyer was in an earlier window (the baseline)', () => {
    const withBuyer: Dataset = { history: [60, 60, 65, 60], units: 150, buyers: 80 };
    const without: Dataset = { history: [60, 60, 60, 60], units: 150, buyers: 80 };
    const p = firingRate(withBuyer, honest);
    const q = firingRate(without, honest);
    console.log(`one buyer in the history: p = ${p}, p' = ${q}`);
    expect(Math.exp(EPSILON) * (q + MARGIN) + delta + MARGIN).toBeLessThan(0.6);
    expect(withinBound(p, q, EPSILON, delta)).toBe(true);
  });

  it('lets a cell held up by one buyer through with probability at most delta / maxCategoriesPerBuyer', () => {
    const { parameters } = honest();
    // B' = 1 + Y must reach the threshold: P(Y >= threshold - 1), exactly as the sampler's distribution gives it.
    const tail = discreteLaplaceUpperTail(
      parameters.buyersSensitivity / parameters.buyersEpsilon,
      parameters.buyerThreshold - 1,
    );
    expect(tail).toBeLessThanOrEqual(parameters.delta / parameters.maxCategoriesPerBuyer);
    expect(parameters.buyerThreshold).toBe(88);
  });

  it('catches a mechanism whose noise is far too small for the epsilon it claims (the check can fail)', () => {
    // Noise for epsilon 50 behind the threshold and the claim of epsilon 1: firing follows the exact buyer count.
    const leaky = (): TriggerMechanism => {
      const mechanism = createTriggerMechanism(randomBytes(32), { epsilon: 50 });
      return { ...mechanism, parameters: { ...mechanism.parameters, buyerThreshold: 88 } };
    };
    const p = firingRate({ history: [60, 60, 60, 60], units: 300, buyers: 88 }, leaky);
    const q = firingRate({ history: [60, 60, 60, 60], units: 295, buyers: 87 }, leaky);
    console.log(`leaky mechanism: p = ${p}, p' = ${q}`);
    expect(withinBound(p, q, EPSILON, delta)).toBe(false);
  });
});
