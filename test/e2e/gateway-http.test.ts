/**
 * Plain HTTP clients against the gateway: GET queries, GraphiQL in development mode only, and the live
 * `campaignMetrics` subscription over graphql-ws released by continual counting: one epsilon per budget window
 * for a partner's stream of a campaign, however many pushes and subscriptions share it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, errorCodes, wsClient } from '../gateway/support/clients.ts';
import { aggregate, brandContract, campaign, startHarness, testPrivacy } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';

describe('gateway over plain fetch (development mode)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      contracts: [
        brandContract('brand-acme', {
          campaigns: ['cmp-live', 'cmp-other'],
          budgetEpsilon: 1,
          epsilonPerAggregate: 0.5,
        }),
      ],
      overrides: {
        devMode: true,
        limits: { campaignMetricsIntervalMs: 1_000 },
        privacy: testPrivacy({ continualRelease: { tickSeconds: 1, epsilonPerWindow: 1 } }),
      },
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

  it('pushes campaign metrics charged once per window, and refuses a second stream the budget cannot pay', async () => {
    await harness.produce(TOPICS.campaigns, 'cmp-live', campaign('cmp-live', 'brand-acme'));
    await harness.produce(TOPICS.campaigns, 'cmp-other', campaign('cmp-other', 'brand-acme'));
    // Large enough that the tree mechanism's noise (scale ~680 at this tick length) keeps it above k.
    await harness.produce(
      TOPICS.attributions,
      'cmp-live',
      aggregate('cmp-live', '2026-11-01', 'online', 40_000),
    );
    await waitFor(
      () => harness.gateway.services.readModels.aggregates('cmp-live', 'last_touch').length === 1,
    );
    const token = await harness.token('brand-acme', 'BRAND');
    const client = wsClient(harness.url, token);
    const query = (id: string) =>
      `subscription { campaignMetrics(campaignId: "${id}") { campaignId exposedSubjects epsilonSpent exact } }`;
    type Metrics = { exposedSubjects: number; epsilonSpent: number; exact: boolean };
    const running = collect<Metrics>(client, query('cmp-live'), 'campaignMetrics');
    await waitFor(() => running.items.length >= 3, { timeout: 15_000 });
    expect(running.errors).toEqual([]);
    // The window's epsilon (1, the whole budget) on the first push; every later push is free.
    expect(running.items.map((item) => item.epsilonSpent).slice(0, 3)).toEqual([1, 0, 0]);
    expect(running.items.every((item) => !item.exact)).toBe(true);
    expect(running.items.some((item) => item.exposedSubjects !== 40_000)).toBe(true);
    const budget = await harness.gql('{ privacyBudget { epsilonSpent epsilonRemaining } }', {}, token);
    expect(budget.data?.['privacyBudget']).toEqual({ epsilonSpent: 1, epsilonRemaining: 0 });

    // A second subscription to the same campaign shares the paid stream (it cannot average fresh noise).
    const again = collect<Metrics>(client, query('cmp-live'), 'campaignMetrics');
    await waitFor(() => again.items.length >= 1, { timeout: 10_000 });
    expect(again.errors).toEqual([]);
    expect(again.items[0]?.epsilonSpent).toBe(0);

    // Another campaign is another stream: the spent budget refuses it before reading anything.
    const other = collect<Metrics>(client, query('cmp-other'), 'campaignMetrics');
    await waitFor(() => other.errors.length > 0, { timeout: 10_000 });
    expect(errorCodes(other.errors)).toEqual(['BUDGET_EXHAUSTED']);
    const refusals = harness.audit.entries.filter(
      (entry) => entry.action === 'campaign.metrics.subscribe' && entry.code === 'BUDGET_EXHAUSTED',
    );
    expect(refusals).toHaveLength(1);
    running.stop();
    again.stop();
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
