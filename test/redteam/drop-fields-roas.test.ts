/**
 * Red team — `dropFields` is bypassed through a derived field.
 *
 * Leak (severity MEDIUM, obligation bypass): a contract that withholds `revenue` (or `spend`) still receives
 * `roas`, which the report computes as revenue / spend BEFORE the field obligations run. revenue = roas x spend
 * (to the rounding of roas), so the withheld field is one multiplication away; with `spend` withheld,
 * spend = revenue / roas. The same holds in the filtered-rows summary's sums that feed it.
 *
 * Secure behaviour asserted: when revenue or spend is withheld, every field derived from it (roas) is withheld
 * too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import type { PartnerContractInput } from '../../policies/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { aggregate, campaign, startHarness } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';

const withheld = (partnerId: string, field: 'revenue' | 'spend'): PartnerContractInput => ({
  partnerId,
  kind: 'BRAND',
  purposes: ['measurement'],
  visibility: { campaigns: 'own' },
  kThreshold: 50,
  dp: { epsilonPerQuery: 1, budget: { epsilon: 100, window: 'month' } },
  dropFields: [field],
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 10 },
});

interface Row {
  exposedSubjects: number | null;
  revenue: number | null;
  spend: number | null;
  roas: number | null;
}

const REPORT = (campaignId: string) => `{ campaignReport(campaignId: "${campaignId}", groupBy: []) {
  rows { exposedSubjects revenue spend roas } } }`;

describe('red team: roas gives back the field dropFields withholds', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      real: { contractInputs: [withheld('brand-norev', 'revenue'), withheld('brand-nospend', 'spend')] },
    });
    for (const [campaignId, brand] of [
      ['cmp-norev', 'brand-norev'],
      ['cmp-nospend', 'brand-nospend'],
    ] as const) {
      await harness.produce(TOPICS.campaigns, campaignId, campaign(campaignId, brand));
      // Large enough that the row is released and no noised sum is clamped at zero.
      await harness.produce(
        TOPICS.attributions,
        campaignId,
        aggregate(campaignId, '2026-11-02', 'online', 500_000),
      );
    }
    const models = harness.gateway.services.readModels;
    await waitFor(() => models.aggregates('cmp-norev', 'last_touch').length === 1);
    await waitFor(() => models.aggregates('cmp-nospend', 'last_touch').length === 1);
  });
  afterAll(async () => {
    await harness.close();
  });

  const rowOf = async (partnerId: string, campaignId: string): Promise<Row> => {
    const token = await harness.token(partnerId, 'BRAND');
    const response = await harness.gql(REPORT(campaignId), {}, token);
    expect(response.errors).toBeUndefined();
    const report = response.data?.['campaignReport'] as { rows: Row[] };
    expect(report.rows).toHaveLength(1);
    return report.rows[0] as Row;
  };

  it('revenue withheld: revenue = roas x spend', async () => {
    const row = await rowOf('brand-norev', 'cmp-norev');
    expect(row.revenue).toBeNull();
    console.log(
      `revenue withheld, yet roas ${row.roas} x spend ${row.spend} = ${(row.roas ?? 0) * (row.spend ?? 0)}`,
    );
    expect(row.roas).toBeNull();
  });

  it('spend withheld: spend = revenue / roas', async () => {
    const row = await rowOf('brand-nospend', 'cmp-nospend');
    expect(row.spend).toBeNull();
    console.log(
      `spend withheld, yet revenue ${row.revenue} / roas ${row.roas} = ${(row.revenue ?? 0) / (row.roas ?? 1)}`,
    );
    expect(row.roas).toBeNull();
  });
});
