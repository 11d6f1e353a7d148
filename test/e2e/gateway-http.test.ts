/**
 * Plain HTTP clients against the gateway: GET queries, GraphiQL in development mode only, and the live
 * noised `campaignMetrics` subscription over graphql-ws spending budget until it is exhausted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, errorCodes, wsClient } from '../gateway/support/clients.ts';
import { aggregate, brandContract, campaign, startHarness } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';

describe('gateway over plain fetch (development mode)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      contracts: [
        brandContract('brand-acme', { campaigns: ['cmp-live'], budgetEpsilon: 1, epsilonPerAggregate: 0.5 }),
      ],
      overrides: { devMode: true, limits: { campaignMetricsIntervalMs: 1_000 } },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('answers GET queries with a bearer token', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    const url = `${harness.url}?query=${encodeURIComponent('{ me { id role } }')}`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: { id: 'brand-acme', role: 'BRAND' } } });
  });

  it('serves GraphiQL to browsers in development mode', async () => {
    const response = await fetch(harness.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('GraphiQL');
  });

  it('pushes noised campaign metrics, spending budget each time, until the budget is exhausted', async () => {
    await harness.produce(TOPICS.campaigns, 'cmp-live', campaign('cmp-live', 'brand-acme'));
    await harness.produce(
      TOPICS.attributions,
      'cmp-live',
      aggregate('cmp-live', '2026-11-01', 'online', 400),
    );
    await waitFor(
      () => harness.gateway.services.readModels.aggregates('cmp-live', 'last_touch').length === 1,
    );
    const client = wsClient(harness.url, await harness.token('brand-acme', 'BRAND'));
    const running = collect<{ exposedSubjects: number; epsilonSpent: number; exact: boolean }>(
      client,
      'subscription { campaignMetrics(campaignId: "cmp-live") { campaignId exposedSubjects epsilonSpent exact } }',
      'campaignMetrics',
    );
    await waitFor(() => running.errors.length > 0, { timeout: 10_000 });
    expect(running.items).toHaveLength(2);
    expect(running.items.every((item) => item.epsilonSpent === 0.5 && !item.exact)).toBe(true);
    expect(errorCodes(running.errors)).toEqual(['BUDGET_EXHAUSTED']);
    const refusals = harness.audit.entries.filter(
      (entry) => entry.action === 'campaign.metrics.subscribe' && entry.code === 'BUDGET_EXHAUSTED',
    );
    expect(refusals).toHaveLength(1);
    await client.dispose();
  });
});

describe('gateway outside development mode', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('does not serve GraphiQL', async () => {
    const response = await fetch(harness.url, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toContain('GraphiQL');
  });
});

describe('extra routes', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      overrides: {
        httpRoutes: [
          (pathname) =>
            pathname === '/console'
              ? new Response('<h1>console</h1>', { headers: { 'content-type': 'text/html' } })
              : undefined,
        ],
      },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('serves a mounted route and leaves /graphql to yoga', async () => {
    const base = harness.url.replace(/\/graphql$/, '');
    const page = await fetch(`${base}/console`);
    expect(page.headers.get('content-type')).toBe('text/html');
    expect(await page.text()).toBe('<h1>console</h1>');
    expect((await harness.gql('{ health { status } }')).data).toEqual({ health: { status: 'ok' } });
  });
});
