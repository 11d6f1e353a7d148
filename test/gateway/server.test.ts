import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { aggregate, campaign, codes, fillSegment, startHarness } from './support/harness.ts';
import type { Harness } from './support/harness.ts';

describe('gateway over plain HTTP', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('answers health without a token and refuses me without one', async () => {
    const health = await harness.gql('{ health { status log } }');
    expect(health.data?.['health']).toEqual({ status: 'ok', log: 'embedded:up' });
    expect(codes(await harness.gql('{ me { id role } }'))).toEqual(['UNAUTHENTICATED']);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const base = harness.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200);
    // /metrics is the host's: refused without a host principal's token, served with one.
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const brand = await harness.token('brand-acme', 'BRAND');
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${brand}` } })).status).toBe(
      401,
    );
    const operator = await harness.token('ops', 'HOST_ADMIN');
    const metrics = await (
      await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${operator}` } })
    ).text();
    expect(metrics).toContain('cleanroom_gateway_requests_total');
    expect(metrics).toContain('cleanroom_gateway_consumer_lag_records');
  });

  it('answers a brand its segment size, noised and budgeted, and audits it first', async () => {
    await fillSegment(harness, 'seg-plant', 80);
    await waitFor(() => harness.gateway.services.readModels.segmentSize('seg-plant') === 80);
    const token = await harness.token('brand-acme', 'BRAND');
    const before = harness.audit.entries.length;
    const response = await harness.gql(
      '{ segmentSize(segmentId: "seg-plant") { value epsilonSpent exact } }',
      {},
      token,
    );
    expect(response.errors).toBeUndefined();
    const size = response.data?.['segmentSize'] as { value: number; epsilonSpent: number; exact: boolean };
    expect(size.epsilonSpent).toBe(0.5);
    expect(size.exact).toBe(false);
    expect(Math.abs(size.value - 80)).toBeLessThan(60);
    const entry = harness.audit.entries[before];
    expect(entry).toMatchObject({ action: 'segment.size', effect: 'allow', principal: 'brand-acme' });
    expect(entry?.result?.epsilonSpent).toBe(0.5);
  });

  it('gives a brand its own campaign report and refuses another brand’s', async () => {
    await harness.produce(TOPICS.campaigns, 'cmp-acme-1', campaign('cmp-acme-1', 'brand-acme'));
    await harness.produce(TOPICS.campaigns, 'cmp-zest-1', campaign('cmp-zest-1', 'brand-zest'));
    await harness.produce(
      TOPICS.attributions,
      'cmp-acme-1',
      aggregate('cmp-acme-1', '2026-11-01', 'online', 500),
    );
    await harness.produce(
      TOPICS.attributions,
      'cmp-acme-1',
      aggregate('cmp-acme-1', '2026-11-01', 'store', 10),
    );
    await waitFor(
      () => harness.gateway.services.readModels.aggregates('cmp-acme-1', 'last_touch').length === 2,
    );
    const acme = await harness.token('brand-acme', 'BRAND');
    // One day of the flight: a domain of two rows (online and store), whatever the data.
    const query = `query ($id: ID!) { campaignReport(campaignId: $id, from: "2026-11-01T00:00:00Z", to: "2026-11-01T23:59:59Z") {
      campaignId model exact rows { day channel exposedSubjects conversions revenue spend roas } filteredRows { count } } }`;
    const own = await harness.gql(query, { id: 'cmp-acme-1' }, acme);
    expect(own.errors).toBeUndefined();
    const report = own.data?.['campaignReport'] as {
      exact: boolean;
      rows: unknown[];
      filteredRows: { count: number };
    };
    expect(report.exact).toBe(false);
    expect(report.rows).toHaveLength(1);
    expect(report.filteredRows.count).toBe(1);
    const other = await harness.gql(query, { id: 'cmp-zest-1' }, acme);
    expect(codes(other)).toEqual(['FORBIDDEN']);
    expect(other.data).toBeNull();
    const admin = await harness.token('ops', 'HOST_ADMIN');
    const exact = await harness.gql(query, { id: 'cmp-acme-1' }, admin);
    const adminReport = exact.data?.['campaignReport'] as {
      exact: boolean;
      rows: Array<{ exposedSubjects: number }>;
    };
    expect(adminReport.exact).toBe(true);
    expect(adminReport.rows.map((row) => row.exposedSubjects).sort((a, b) => a - b)).toEqual([10, 500]);
  });
});

describe('unexpected errors', () => {
  let harness: Harness;
  beforeAll(async () => {
    const broken = () => {
      throw new Error('ledger file /secret/path is corrupt');
    };
    harness = await startHarness({ overrides: { budget: { trySpend: broken, preview: broken } } });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('are masked as INTERNAL_SERVER_ERROR without their details, and the failure is audited', async () => {
    const response = await harness.gql(
      '{ privacyBudget { epsilonRemaining } }',
      {},
      await harness.token('brand-acme', 'BRAND'),
    );
    expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(response)).not.toContain('secret');
    expect(harness.audit.entries.at(-1)).toMatchObject({
      action: 'budget.read',
      code: 'INTERNAL_SERVER_ERROR',
    });
  });
});
