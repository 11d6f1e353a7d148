/**
 * The offer report through the governed path, over real HTTP with the real policies (engine, contracts, budgets,
 * audit log on SQLite): a brand's own offers only, with the action named by its contract; every row of the public
 * domain noised, charged to the budget and thresholded on the noised count of shoppers offered; the host exact;
 * every decision, allowed or refused, on the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../../schema/index.ts';
import type { OfferStat } from '../../../schema/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { brandContract, codes, qsrContract, startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

const REPORT = `query ($from: DateTime!, $to: DateTime!, $regions: [String!]!, $brand: ID) {
  offerReport(from: $from, to: $to, regions: $regions, brand: $brand) {
    brand exact kThreshold epsilonSpent
    rows { day region offeredShoppers offersMade offersRedeemed }
    filteredRows { count offeredShoppers offersMade offersRedeemed }
  }
}`;

function offerStat(
  brand: string,
  day: string,
  region: string,
  shoppers: number,
  redeemed: number,
): OfferStat {
  return {
    statId: `offer-stats:${brand}:${day}:${region}`,
    version: 1,
    brand,
    day,
    region,
    offeredSubjects: shoppers,
    offersMade: shoppers + 7,
    offersRedeemed: redeemed,
    bounded: {
      offeredSubjects: shoppers,
      offersMade: shoppers + 5,
      offersRedeemed: redeemed,
      bounds: { cellsPerBrand: 4, offersPerShopperPerDay: 2 },
    },
  };
}

interface Report {
  brand: string;
  exact: boolean;
  kThreshold: number;
  epsilonSpent: number;
  rows: Array<{
    day: string;
    region: string;
    offeredShoppers: number;
    offersMade: number;
    offersRedeemed: number;
  }>;
  filteredRows: { count: number };
}

describe('offer report (real policies, real HTTP)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      contracts: [
        brandContract('brand-acme'),
        brandContract('brand-zest'),
        brandContract('brand-plain', { offers: { actions: [] } }),
        brandContract('brand-race'),
        qsrContract('qsr-burger'),
      ],
    });
    // A busy cell (far above k = 50 after noise) and a tiny one (far below) for acme; one for zest.
    const stats = [
      offerStat('brand-acme', '2026-11-02', 'west', 4_000, 900),
      offerStat('brand-acme', '2026-11-02', 'east', 2, 1),
      offerStat('brand-zest', '2026-11-02', 'west', 3_000, 10),
    ];
    for (const stat of stats) await harness.produce(TOPICS.offerStats, stat.brand, stat);
    // A stale restatement (an older version) never moves the cell back.
    await harness.produce(TOPICS.offerStats, 'brand-acme', {
      ...offerStat('brand-acme', '2026-11-02', 'west', 1, 0),
      version: 0,
    });
    await waitFor(
      () => harness.gateway.services.readModels.offerStat('brand-zest', '2026-11-02', 'west') !== undefined,
      { message: 'offer stats materialized' },
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  const lastEntry = async (principal: string) =>
    (await harness.auditEntries())
      .filter((entry) => entry.principal === principal && entry.action === 'offers.report')
      .at(-1);

  const variables = { from: '2026-11-01T00:00:00Z', to: '2026-11-02T23:00:00Z', regions: ['west', 'east'] };

  it('answers a brand its own report: noised, charged, thresholded on the noised shoppers, audited', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    const response = await harness.gql(REPORT, variables, token);
    expect(response.errors).toBeUndefined();
    const report = response.data?.['offerReport'] as Report;
    expect(report).toMatchObject({ brand: 'brand-acme', exact: false, kThreshold: 50 });
    expect(report.epsilonSpent).toBeGreaterThan(0);
    // Only the busy cell passes; the other three of the 2 x 2 domain fold into the filtered summary.
    expect(report.rows.map((row) => [row.day, row.region])).toEqual([['2026-11-02', 'west']]);
    expect(report.filteredRows.count).toBe(3);
    const [row] = report.rows;
    expect(row!.offeredShoppers).toBeGreaterThan(3_000);
    expect(row!.offeredShoppers).toBeLessThan(5_000);
    expect(row!.offersRedeemed).toBeGreaterThan(500);
    expect(await lastEntry('brand-acme')).toMatchObject({
      effect: 'allow',
      result: { rows: 1, suppressedRows: 3 },
    });
    const budget = await harness.gql('{ privacyBudget { epsilonSpent } }', {}, token);
    expect((budget.data?.['privacyBudget'] as { epsilonSpent: number }).epsilonSpent).toBeGreaterThan(0);
  });

  it('gives the host exact counts of any brand', async () => {
    const response = await harness.gql(
      REPORT,
      { ...variables, regions: ['west'], brand: 'brand-acme' },
      await harness.token('ops-1', 'HOST_ADMIN'),
    );
    expect(response.errors).toBeUndefined();
    const report = response.data?.['offerReport'] as Report;
    expect(report.exact).toBe(true);
    expect(report.rows).toContainEqual({
      day: '2026-11-02',
      region: 'west',
      offeredShoppers: 4_000,
      offersMade: 4_007,
      offersRedeemed: 900,
    });
  });

  it.each([
    ['another brand’s report', 'brand-acme', { brand: 'brand-zest' }, 'FORBIDDEN'],
    ['a contract without offers.report', 'brand-plain', {}, 'FORBIDDEN'],
  ] as const)('refuses %s, and the refusal is audited', async (_case, partner, extra, code) => {
    const response = await harness.gql(
      REPORT,
      { ...variables, ...extra },
      await harness.token(partner, 'BRAND'),
    );
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual([code]);
    expect(await lastEntry(partner)).toMatchObject({ effect: 'deny' });
  });

  it('charges parallel reports atomically: no more answers than the budget pays for, whatever the spelling', async () => {
    // A report costs 3 aggregates x 0.5 = 1.5 of a budget of 10: six answers. Twenty at once, with the regions
    // spelled in different orders and repeats (the same cells), must not squeeze a seventh through a race.
    const token = await harness.token('brand-race', 'BRAND');
    const spellings = [
      ['west', 'east'],
      ['east', 'west'],
      ['west', 'west', 'east'],
    ];
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        harness.gql(REPORT, { ...variables, regions: spellings[n % spellings.length] }, token),
      ),
    );
    const answered = responses.filter((response) => response.errors === undefined);
    expect(answered).toHaveLength(6);
    expect(responses.filter((response) => codes(response)[0] === 'BUDGET_EXHAUSTED')).toHaveLength(14);
    const budget = await harness.gql('{ privacyBudget { epsilonSpent } }', {}, token);
    expect((budget.data?.['privacyBudget'] as { epsilonSpent: number }).epsilonSpent).toBeCloseTo(9, 6);
  });

  it('refuses a restaurant chain and bad ranges with extensions.code', async () => {
    const qsr = await harness.gql(
      REPORT,
      { ...variables, brand: 'brand-acme' },
      await harness.token('qsr-burger', 'QSR'),
    );
    expect(codes(qsr)).toEqual(['FORBIDDEN']);
    const token = await harness.token('brand-acme', 'BRAND');
    const tooLong = await harness.gql(REPORT, { ...variables, from: '2026-01-01T00:00:00Z' }, token);
    expect(codes(tooLong)).toEqual(['BAD_USER_INPUT']);
    const noRegion = await harness.gql(REPORT, { ...variables, regions: [] }, token);
    expect(codes(noRegion)).toEqual(['BAD_USER_INPUT']);
  });
});
