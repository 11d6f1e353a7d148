/**
 * Continual release through the gateway's release step, on the real budget ledger and release store: 1,000
 * ticks of a live aggregate spend exactly the window's epsilon, and their errors stay within the binary-tree
 * mechanism's bound; a restarted gateway answers a tick with the noise it already released.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeLevels } from '../../../policies/index.ts';
import type { PartnerContractInput } from '../../../policies/index.ts';
import { createLiveStreams } from '../../../gateway/release/live-streams.ts';
import { release } from '../../../gateway/release/release-step.ts';
import type { LiveRelease } from '../../../gateway/release/release-step.ts';
import { startHarness, testPrivacy } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

const contract: PartnerContractInput = {
  partnerId: 'brand-live',
  kind: 'BRAND',
  purposes: ['measurement'],
  visibility: { campaigns: { own: true, ids: ['cmp-live'] } },
  kThreshold: 50,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 10, window: 'day' } },
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 10 },
};

const TICK_SECONDS = 10;
const EPSILON_PER_WINDOW = 1;

describe('continual release of a live aggregate', () => {
  let harness: Harness;
  // 00:00:05Z of a day: tick 1 of the window; each step moves the clock one tick.
  let clock = Date.parse('2026-12-01T00:00:05Z');
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      real: { contractInputs: [contract] },
      overrides: {
        now: () => new Date(clock),
        privacy: testPrivacy({
          continualRelease: { tickSeconds: TICK_SECONDS, epsilonPerWindow: EPSILON_PER_WINDOW },
        }),
      },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  const scope = () => {
    const { services } = harness.gateway;
    const principal = { id: 'brand-live', role: 'BRAND' as const };
    const decision = services.policy.decide(
      principal,
      'campaign.metrics.subscribe',
      { kind: 'campaign', id: 'cmp-live', ownerId: 'brand-live' },
      {},
    );
    return { services, principal, decision, contract: services.contracts.get('brand-live') };
  };

  /** A live aggregate whose exact running total is `total()` (one count measure, bound 1 per subject). */
  const live = (total: () => number): LiveRelease<{ value: number; epsilonSpent: number }> => ({
    kind: 'live',
    streamName: 'campaign:cmp-live',
    countMeasure: 'subjects',
    measures: [{ name: 'subjects', unitsPerValue: 1, bound: 1 }],
    read: () => ({ subjects: total() }),
    shape: (values, released) => ({ value: values['subjects'] ?? 0, epsilonSpent: released.epsilonSpent }),
  });

  it('spends exactly the window’s epsilon over 1,000 ticks, with errors within the tree mechanism’s bound', async () => {
    expect(scope().decision.effect).toBe('allow');
    let exact = 100_000;
    const errors: number[] = [];
    let spent = 0;
    for (let tick = 1; tick <= 1_000; tick += 1) {
      exact += (tick * 7) % 13;
      const answer = await release(
        scope(),
        live(() => exact),
      );
      spent += answer.value.epsilonSpent;
      errors.push(answer.value.value - exact);
      clock += TICK_SECONDS * 1_000;
    }
    expect(spent).toBe(EPSILON_PER_WINDOW);
    const budget = await harness.gateway.services.budget.preview(
      'brand-live',
      harness.gateway.services.contracts.get('brand-live')!,
    );
    expect(budget.epsilonSpent).toBe(EPSILON_PER_WINDOW);

    // One measure: the whole epsilon; a subject moves the stream by at most 2 (in, then out) + 2 for rounding.
    const horizon = (24 * 3_600) / TICK_SECONDS;
    const levels = treeLevels(horizon);
    const scale = (levels * 4) / EPSILON_PER_WINDOW;
    const beta = 1e-6;
    const bound = levels * scale * Math.log((4 * horizon) / beta);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThanOrEqual(bound);
    // Released values are really noised, and the noise does not grow with the ticks: the mean square error of
    // the last hundred ticks is of the order of the first hundred's (a fresh draw per tick would be the same;
    // noise summed over ticks would grow a hundredfold).
    expect(errors.some((error) => error !== 0)).toBe(true);
    const meanSquare = (slice: number[]) => slice.reduce((sum, e) => sum + e * e, 0) / slice.length;
    expect(meanSquare(errors.slice(-100))).toBeLessThan(10 * meanSquare(errors.slice(0, 100)) + 100 * scale);
  });

  it('answers the same tick with the same noise after a restart, and charges nothing more', async () => {
    const before = await release(
      scope(),
      live(() => 5_000),
    );
    // A restarted gateway opens the streams afresh from the same release store.
    const { services } = harness.gateway;
    const restarted = {
      ...services,
      release: {
        ...services.release,
        live: createLiveStreams({
          store: services.release.store,
          settings: services.privacy.continualRelease,
        }),
      },
    };
    const again = await release(
      { ...scope(), services: restarted },
      live(() => 5_000),
    );
    expect(again.value).toEqual({ value: before.value.value, epsilonSpent: 0 });
  });
});
