/**
 * Red team — continual release, same tick: EXACT deltas of a campaign's running totals.
 *
 * Leak (severity HIGH): the binary-tree counter keeps one noise draw per tree node and releases
 * `exact prefix + noise of the nodes covering the tick`. Every release inside one tick (10 s by default) therefore
 * carries the SAME noise, whatever the exact total is at that moment. A brand that opens `campaignMetrics` twice
 * within a tick (each subscription's first push is released at once; re-subscribing is free once the window's
 * stream was paid for) subtracts the two pushes and reads the exact change of every measure — one shopper's
 * exposure, conversion and revenue to the cent — with no noise at all. Repeating that every few seconds tracks
 * the campaign's exact activity for one epsilon per window.
 *
 * Secure behaviour asserted: two pushes of the same tick never differ by exactly the change in the data (either
 * the tick's answer is frozen when first released, or the second release carries fresh, paid-for noise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import type { PartnerContractInput } from '../../policies/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { aggregate, campaign, startHarness, testPrivacy } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';

const contract: PartnerContractInput = {
  partnerId: 'brand-tick',
  kind: 'BRAND',
  purposes: ['measurement'],
  visibility: { campaigns: { own: true, ids: [] } },
  kThreshold: 50,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 10, window: 'day' } },
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 10 },
};

interface Metrics {
  exposedSubjects: number;
  conversions: number;
  revenue: number;
  spend: number;
  epsilonSpent: number;
}

const METRICS = `subscription { campaignMetrics(campaignId: "cmp-tick") {
  exposedSubjects conversions revenue spend epsilonSpent } }`;

describe('red team: continual release answers twice in one tick with the same noise', () => {
  let harness: Harness;
  // 12:00:01Z: the first second of a 10-second tick; the second push is at 12:00:08Z, the same tick.
  let clock = Date.parse('2026-11-20T12:00:01Z');
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      real: { contractInputs: [contract] },
      overrides: {
        now: () => new Date(clock),
        privacy: testPrivacy({ continualRelease: { tickSeconds: 10, epsilonPerWindow: 1 } }),
      },
    });
    await harness.produce(TOPICS.campaigns, 'cmp-tick', campaign('cmp-tick', 'brand-tick'));
    // Large totals so that no noised total is clamped at zero.
    await harness.produce(
      TOPICS.attributions,
      'cmp-tick',
      aggregate('cmp-tick', '2026-11-20', 'online', 1_000_000, 1),
    );
    await waitFor(
      () => harness.gateway.services.readModels.aggregates('cmp-tick', 'last_touch').at(0)?.version === 1,
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  const push = async (token: string): Promise<Metrics> => {
    const client = wsClient(harness.url, token);
    const running = collect<Metrics>(client, METRICS, 'campaignMetrics');
    try {
      await waitFor(() => running.items.length >= 1 || running.errors.length > 0);
      expect(running.errors).toEqual([]);
      return running.items[0] as Metrics;
    } finally {
      running.stop();
      await client.dispose();
    }
  };

  it('two subscriptions in one tick differ by exactly what one more shopper changed', async () => {
    const token = await harness.token('brand-tick', 'BRAND');
    const before = await push(token);
    expect(before.epsilonSpent).toBe(1); // the window's stream is paid for once, here

    // One more exposed shopper (revenue 3, spend 1, as the fixture derives them) lands in the aggregate.
    await harness.produce(
      TOPICS.attributions,
      'cmp-tick',
      aggregate('cmp-tick', '2026-11-20', 'online', 1_000_001, 2),
    );
    await waitFor(
      () => harness.gateway.services.readModels.aggregates('cmp-tick', 'last_touch').at(0)?.version === 2,
    );
    clock = Date.parse('2026-11-20T12:00:08Z');
    const after = await push(token);
    expect(after.epsilonSpent).toBe(0); // free: the stream of the window is open

    const observed = {
      exposedSubjects: after.exposedSubjects - before.exposedSubjects,
      conversions: Math.round((after.conversions - before.conversions) * 100) / 100,
      revenue: Math.round((after.revenue - before.revenue) * 100) / 100,
      spend: Math.round((after.spend - before.spend) * 100) / 100,
    };
    const exact = { exposedSubjects: 1, conversions: 0, revenue: 3, spend: 1 };
    console.log(
      `same-tick differencing: observed ${JSON.stringify(observed)}, exact ${JSON.stringify(exact)}`,
    );
    // Secure: the difference of two releases is not the exact difference of the data.
    expect(observed).not.toEqual(exact);
  });
});
