/**
 * A brand's bid multipliers pass the release step like every live partner answer (real engine, contracts, budget
 * ledger and audit log; real WebSocket clients): refused without the contract's bidding action or for another
 * brand's campaign, charged once per budget window, refused below k on the noised contributors, audited at every
 * decision; recomputed from noised counts (a factor whose inputs are lost in the noise stays neutral), while the
 * host sees the stage's exact records.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerContractInput } from '../../../policies/index.ts';
import { bidStreamMeasures } from '../../../gateway/resolvers/bidding.ts';
import { createLiveStreams } from '../../../gateway/release/live-streams.ts';
import { openReleaseStore } from '../../../gateway/release/release-store.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { DEFAULT_BID_BOUNDS, TOPICS } from '../../../schema/index.ts';
import type { BidMultiplier, BidReason, Placement } from '../../../schema/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, errorCodes, wsClient } from '../support/clients.ts';
import { brandContract, campaign, startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

const brand = (partnerId: string, extra: Partial<PartnerContractInput> = {}): PartnerContractInput => ({
  partnerId,
  kind: 'BRAND',
  purposes: ['measurement'],
  visibility: { campaigns: 'own', bidding: { actions: ['campaign.bids.subscribe'] } },
  kThreshold: 50,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 10, window: 'day' } },
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 100 },
  ...extra,
});

const reason = (code: BidReason['code'], factor: number): BidReason => ({
  code,
  factor,
  note: code,
  observed: {},
});

/** A record of the bidding stage with the given running totals. */
function bid(
  campaignId: string,
  brandId: string,
  placement: Placement,
  totals: {
    adEvents: number;
    invalidAdEvents: number;
    clicks: number;
    conversions: number;
    contributors: number;
  },
  multiplier: number,
): BidMultiplier {
  return {
    bidId: `bid:${campaignId}:${placement}:test`,
    campaignId,
    brand: brandId,
    placement,
    multiplier,
    reasons: [
      reason('conversion_rate', multiplier),
      reason('invalid_traffic', 1),
      reason('stock', 1),
      reason('pacing', 1),
      reason('flight', 1),
    ],
    at: '2026-03-02T12:00:00.000Z',
    bounded: { ...totals, spend: 10, spendToday: 10, bounds: DEFAULT_BID_BOUNDS },
  };
}

const QUERY = (campaignId: string) =>
  `subscription { bidMultipliers(campaignId: "${campaignId}") {
    campaignId exact epsilonSpent placements { placement multiplier reasons { code factor note } } } }`;

interface View {
  campaignId: string;
  exact: boolean;
  epsilonSpent: number;
  placements: Array<{
    placement: string;
    multiplier: number;
    reasons: Array<{ code: string; factor: number; note: string }>;
  }>;
}

describe('the noise of a brand’s bid stream', () => {
  it('shares the window’s epsilon per kind of count, not per placement: the contributors’ noise has the derived scale', () => {
    // The stage caps a contributor per campaign over every placement, so the 20 placement counters are 4 groups
    // sharing 4 bounds: with contributors and today's spend, 6 shares of epsilon. Tick 1 of a day's stream
    // (10-second ticks: 14 levels) adds one node's noise, discrete Laplace of scale 14 x 4 x 6 = 336 to the
    // contributors (split 22 ways it would be 14 x 4 x 22 = 1,232). Over 300 streams (each of its own brand,
    // drawn from the CSPRNG), |noise| > 1,008 has probability about e^-3 = 0.050 each at scale 336 and
    // e^-0.82 = 0.44 at 1,232. At most 60 of 300 is then a Chernoff bound e^(-300 x D(0.2 || 0.05)) < 1e-18 of a
    // false failure, and at 1,232 the chance of passing is below e^(-300 x D(0.2 || 0.44)) < 1e-16.
    const dir = createTempDir('bid-noise');
    const store = openReleaseStore(path.join(dir, 'release.sqlite'));
    try {
      const live = createLiveStreams({ store, settings: { tickSeconds: 10, epsilonPerWindow: 1 } });
      const now = new Date('2026-12-01T00:00:05Z');
      const measures = bidStreamMeasures(DEFAULT_BID_BOUNDS, 1);
      expect(measures).toHaveLength(22);
      const exact = Object.fromEntries(measures.map((measure) => [measure.name, 1_000_000]));
      let wide = 0;
      for (let stream = 0; stream < 300; stream += 1) {
        const contract = brandContract(`brand-noise-${stream}`);
        const released = live
          .open(contract.partnerId, 'bids:cmp', contract, now, measures)
          .release(now, exact);
        if (Math.abs((released['contributors'] ?? 0) - 1_000_000) > 1_008) wide += 1;
      }
      expect(wide).toBeLessThanOrEqual(60);
    } finally {
      store.close();
      removeTempDir(dir);
    }
  });
});

describe('bidMultipliers', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      real: {
        contractInputs: [
          brand('brand-bids'),
          brand('brand-nobids', { visibility: { campaigns: 'own' } }),
          // k far above its 3 contributors however the noise falls (the live release's noise is in thousands).
          brand('brand-small', { kThreshold: 1_000_000 }),
          brand('brand-quiet'),
          brand('brand-crowd'),
        ],
      },
    });
    for (const partner of ['brand-bids', 'brand-nobids', 'brand-small', 'brand-quiet', 'brand-crowd']) {
      await harness.produce(TOPICS.campaigns, `cmp-${partner}`, campaign(`cmp-${partner}`, partner));
    }
    // Volumes far above the noise of a day's stream (its deviation reaches hundreds of thousands per count, as
    // shares that were 0.14 off at a hundredth of these volumes showed): search
    // converts five times better than the app, and half the app's traffic is invalid.
    const big = (campaignId: string, brandId: string) => [
      bid(
        campaignId,
        brandId,
        'search',
        {
          adEvents: 400_000_000,
          invalidAdEvents: 0,
          clicks: 100_000_000,
          conversions: 50_000_000,
          contributors: 200_000_000,
        },
        2,
      ),
      bid(
        campaignId,
        brandId,
        'app',
        {
          adEvents: 400_000_000,
          invalidAdEvents: 200_000_000,
          clicks: 100_000_000,
          conversions: 10_000_000,
          contributors: 200_000_000,
        },
        0,
      ),
    ];
    // A campaign of brand-bids whose flight ended before today; the stage's last records date from before its end.
    await harness.produce(TOPICS.campaigns, 'cmp-brand-bids-ended', {
      ...campaign('cmp-brand-bids-ended', 'brand-bids'),
      endsAt: '2026-11-15T00:00:00Z',
    });
    for (const record of [
      ...big('cmp-brand-bids', 'brand-bids'),
      ...big('cmp-brand-bids-ended', 'brand-bids'),
      ...big('cmp-brand-crowd', 'brand-crowd'),
      ...big('cmp-brand-nobids', 'brand-nobids'),
    ]) {
      await harness.produce(TOPICS.bids, record.campaignId, record);
    }
    // Few contributors: below k once noised.
    await harness.produce(
      TOPICS.bids,
      'cmp-brand-small',
      bid(
        'cmp-brand-small',
        'brand-small',
        'search',
        { adEvents: 30, invalidAdEvents: 0, clicks: 10, conversions: 5, contributors: 3 },
        1.5,
      ),
    );
    // Many contributors but few clicks: the conversion rate is lost in the noise and must stay neutral.
    await harness.produce(
      TOPICS.bids,
      'cmp-brand-quiet',
      bid(
        'cmp-brand-quiet',
        'brand-quiet',
        'search',
        { adEvents: 4_000_000, invalidAdEvents: 0, clicks: 40, conversions: 30, contributors: 2_000_000 },
        2,
      ),
    );
    await waitFor(() => harness.gateway.services.readModels.bids('cmp-brand-quiet').length === 1);
    await waitFor(() => harness.gateway.services.readModels.bids('cmp-brand-bids').length === 2);
    await waitFor(() => harness.gateway.services.readModels.bids('cmp-brand-bids-ended').length === 2);
    await waitFor(() => harness.gateway.services.readModels.bids('cmp-brand-crowd').length === 2);
  });
  afterAll(async () => {
    await harness.close();
  });

  const first = async (token: string, campaignId: string) => {
    const client = wsClient(harness.url, token);
    const running = collect<View>(client, QUERY(campaignId), 'bidMultipliers');
    await waitFor(() => running.items.length >= 1 || running.errors.length >= 1, { timeout: 15_000 });
    running.stop();
    await client.dispose();
    return running;
  };

  const spent = async (token: string): Promise<number> => {
    const answer = await harness.gql('{ privacyBudget { epsilonSpent } }', {}, token);
    return (answer.data?.['privacyBudget'] as { epsilonSpent: number }).epsilonSpent;
  };

  it('releases a brand’s own multipliers from noised counts, charged once per window and audited', async () => {
    const token = await harness.token('brand-bids', 'BRAND');
    const before = await spent(token);
    const running = await first(token, 'cmp-brand-bids');
    expect(running.errors).toEqual([]);
    const view = running.items[0]!;
    expect(view.exact).toBe(false);
    expect(view.epsilonSpent).toBe(1);
    // Every placement of the network, whatever the data.
    expect(view.placements.map((row) => row.placement).sort()).toEqual([
      'app',
      'home',
      'in_store_screen',
      'product_page',
      'search',
    ]);
    const factor = (placement: string, code: string) =>
      view.placements.find((row) => row.placement === placement)?.reasons.find((r) => r.code === code)
        ?.factor;
    expect(factor('search', 'CONVERSION_RATE')).toBeGreaterThan(1);
    expect(factor('app', 'CONVERSION_RATE')).toBeLessThan(1);
    expect(factor('app', 'INVALID_TRAFFIC')).toBeLessThan(0.2);
    expect(factor('search', 'INVALID_TRAFFIC')).toBeGreaterThan(0.9);
    // No data on the home page: neutral.
    expect(factor('home', 'CONVERSION_RATE')).toBe(1);
    expect(await spent(token)).toBeCloseTo(before + 1, 6);

    // A second subscription in the same window shares the paid stream: nothing more is charged.
    const again = await first(token, 'cmp-brand-bids');
    expect(again.items[0]?.epsilonSpent).toBe(0);
    expect(await spent(token)).toBeCloseTo(before + 1, 6);

    const entries = (await harness.auditEntries()).filter(
      (entry) => entry.principal === 'brand-bids' && entry.action === 'campaign.bids.subscribe',
    );
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries[0]).toMatchObject({ effect: 'allow', result: { epsilonSpent: 1 } });
    expect(entries[0]?.obligations?.noiseEpsilon).not.toBeNull();
  });

  it('dates a brand’s push by its release, not by the stage’s latest record, and judges the flight then', async () => {
    // The stage's record is dated by the latest ad event or purchase that moved the campaign: passed on, it would
    // tell the brand when a shopper acted (and whether one did between two pushes), outside the noise.
    const token = await harness.token('brand-bids', 'BRAND');
    const client = wsClient(harness.url, token);
    const before = Date.now();
    const running = collect<View & { at: string }>(
      client,
      `subscription { bidMultipliers(campaignId: "cmp-brand-bids-ended") {
        at placements { placement reasons { code factor note } } } }`,
      'bidMultipliers',
    );
    await waitFor(() => running.items.length >= 1 || running.errors.length >= 1, { timeout: 15_000 });
    const after = Date.now();
    running.stop();
    await client.dispose();
    expect(running.errors).toEqual([]);
    const view = running.items[0]!;
    expect(view.at).not.toBe('2026-03-02T12:00:00.000Z');
    expect(Date.parse(view.at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(view.at)).toBeLessThanOrEqual(after);
    // The campaign's own dates decide the flight at the release, not the record the last shopper event wrote.
    for (const row of view.placements) {
      expect(row.reasons.find((r) => r.code === 'FLIGHT')).toMatchObject({ factor: 0, note: 'flight ended' });
    }
  });

  it('charges a window once however many subscriptions open it at the same moment, and gives them one release', async () => {
    const token = await harness.token('brand-crowd', 'BRAND');
    const before = await spent(token);
    const clients = Array.from({ length: 8 }, () => wsClient(harness.url, token));
    const streams = clients.map((client) =>
      collect<View>(client, QUERY('cmp-brand-crowd'), 'bidMultipliers'),
    );
    await waitFor(() => streams.every((running) => running.items.length + running.errors.length >= 1), {
      timeout: 15_000,
    });
    for (const running of streams) running.stop();
    await Promise.all(clients.map((client) => client.dispose()));
    expect(streams.flatMap((running) => running.errors)).toEqual([]);
    expect(await spent(token)).toBeCloseTo(before + 1, 6);
    // One paid push; the others share its stream. Pushes of one tick carry one release (no fresh noise to average).
    const firsts = streams.map((running) => running.items[0]!);
    expect(firsts.map((view) => view.epsilonSpent).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('keeps a factor neutral when its noised inputs are not clearly above their noise', async () => {
    const running = await first(await harness.token('brand-quiet', 'BRAND'), 'cmp-brand-quiet');
    expect(running.errors).toEqual([]);
    const search = running.items[0]!.placements.find((row) => row.placement === 'search')!;
    expect(search.reasons.find((r) => r.code === 'CONVERSION_RATE')).toEqual({
      code: 'CONVERSION_RATE',
      factor: 1,
      note: 'not enough data for a private estimate',
    });
  });

  it('refuses a brand whose contract does not name the bidding action, and audits the refusal', async () => {
    const running = await first(await harness.token('brand-nobids', 'BRAND'), 'cmp-brand-nobids');
    expect(errorCodes(running.errors)).toEqual(['FORBIDDEN']);
    const entry = (await harness.auditEntries()).find(
      (candidate) => candidate.principal === 'brand-nobids' && candidate.action === 'campaign.bids.subscribe',
    );
    expect(entry).toMatchObject({ effect: 'deny', code: 'FORBIDDEN' });
    expect(entry?.reasons).toContain('the contract does not name the bidding action campaign.bids.subscribe');
  });

  it('refuses another brand’s campaign', async () => {
    const running = await first(await harness.token('brand-bids', 'BRAND'), 'cmp-brand-nobids');
    expect(errorCodes(running.errors)).toEqual(['FORBIDDEN']);
  });

  it('refuses a campaign whose noised contributors are below k, and charges the refusal', async () => {
    const token = await harness.token('brand-small', 'BRAND');
    const before = await spent(token);
    const running = await first(token, 'cmp-brand-small');
    expect(errorCodes(running.errors)).toEqual(['BELOW_THRESHOLD']);
    expect(await spent(token)).toBeCloseTo(before + 1, 6);
    const entry = (await harness.auditEntries()).find(
      (candidate) => candidate.principal === 'brand-small' && candidate.action === 'campaign.bids.subscribe',
    );
    expect(entry).toMatchObject({ effect: 'deny', code: 'BELOW_THRESHOLD', result: { epsilonSpent: 1 } });
  });

  it('gives the host the stage’s exact records', async () => {
    const running = await first(await harness.token('ops-1', 'HOST_ADMIN'), 'cmp-brand-bids');
    expect(running.errors).toEqual([]);
    const view = running.items[0]!;
    expect(view.exact).toBe(true);
    expect(view.placements.map((row) => [row.placement, row.multiplier])).toEqual([
      ['app', 0],
      ['search', 2],
    ]);
  });
});
