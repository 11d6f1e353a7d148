/**
 * Stock status and campaign pauses through the governed path, over real HTTP with the real policies (engine,
 * contracts, budgets, audit log on SQLite): own products only, the action named by the contract, substitutes only
 * with the right, nothing charged, every decision on the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../../schema/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import {
  brandContract,
  campaign,
  campaignPause,
  codes,
  startHarness,
  stockStatus,
} from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

const STOCK = `query ($ids: [ID!]!, $region: String) {
  stockStatus(productIds: $ids, region: $region) { productId region inStockShare inStock at }
}`;
const PAUSES = `query ($id: ID!) { campaignPauses(campaignId: $id) { campaignId productId region since substitute } }`;

describe('inventory queries (real policies, real HTTP)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      contracts: [
        brandContract('brand-acme', {
          inventory: { actions: ['stock.status', 'campaign.pauses'], substitution: true },
        }),
        brandContract('brand-zest', {
          inventory: { actions: ['stock.status', 'campaign.pauses'], substitution: false },
        }),
        brandContract('brand-plain', { inventory: { actions: [], substitution: false } }),
      ],
    });
    await harness.produce(TOPICS.campaigns, 'cmp-acme-1', campaign('cmp-acme-1', 'brand-acme'));
    await harness.produce(TOPICS.campaigns, 'cmp-zest-1', campaign('cmp-zest-1', 'brand-zest'));
    for (const status of [
      stockStatus('acme-widget-1', 'brand-acme', 'west', 0.25),
      stockStatus('acme-widget-1', 'brand-acme', 'east', 1),
      stockStatus('acme-widget-2', 'brand-acme', 'west', 1),
      stockStatus('zest-fizz-1', 'brand-zest', 'west', 0),
      stockStatus('plain-thing-1', 'brand-plain', 'west', 1),
    ])
      await harness.produce(TOPICS.stock, status.sku, status);
    for (const pause of [
      campaignPause('cmp-acme-1', 'brand-acme', 'acme-widget-1', 'west', 'pause', 'acme-widget-2'),
      campaignPause('cmp-acme-1', 'brand-acme', 'acme-widget-3', 'east', 'pause'),
      campaignPause('cmp-acme-1', 'brand-acme', 'acme-widget-3', 'east', 'resume'),
      campaignPause('cmp-zest-1', 'brand-zest', 'zest-fizz-1', 'west', 'pause', 'zest-fizz-2'),
    ])
      await harness.produce(TOPICS.campaignPauses, pause.campaignId, pause);
    await waitFor(
      () =>
        harness.gateway.services.readModels.pausedLines('cmp-zest-1').length === 1 &&
        harness.gateway.services.readModels.productBrand('plain-thing-1') !== undefined,
      { message: 'stock and pauses materialized' },
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  const lastEntry = async (principal: string, action: string) =>
    (await harness.auditEntries())
      .filter((entry) => entry.principal === principal && entry.action === action)
      .at(-1);

  it('answers a brand the stock of its own products by region, charges nothing, audits the answer', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    const response = await harness.gql(STOCK, { ids: ['acme-widget-1', 'acme-widget-2'] }, token);
    expect(response.errors).toBeUndefined();
    expect(response.data?.['stockStatus']).toEqual([
      {
        productId: 'acme-widget-1',
        region: 'east',
        inStockShare: 1,
        inStock: true,
        at: '2026-11-02T10:00:00.000Z',
      },
      {
        productId: 'acme-widget-1',
        region: 'west',
        inStockShare: 0.25,
        inStock: false,
        at: '2026-11-02T10:00:00.000Z',
      },
      {
        productId: 'acme-widget-2',
        region: 'west',
        inStockShare: 1,
        inStock: true,
        at: '2026-11-02T10:00:00.000Z',
      },
    ]);
    const west = await harness.gql(STOCK, { ids: ['acme-widget-1'], region: 'west' }, token);
    expect(west.data?.['stockStatus']).toEqual([
      expect.objectContaining({ region: 'west', inStockShare: 0.25 }),
    ]);
    expect(await lastEntry('brand-acme', 'stock.status')).toMatchObject({
      effect: 'allow',
      resource: 'stock',
      result: { rows: 1, epsilonSpent: 0 },
    });
    const budget = await harness.gql('{ privacyBudget { epsilonSpent } }', {}, token);
    expect(budget.data?.['privacyBudget']).toEqual({ epsilonSpent: 0 });
  });

  it.each([
    ['another brand’s product', ['zest-fizz-1']],
    ['its own mixed with another brand’s', ['acme-widget-1', 'zest-fizz-1']],
    ['a product nobody reported (no existence oracle)', ['no-such-product']],
  ])('refuses %s as FORBIDDEN, and the refusal is audited', async (_case, ids) => {
    const response = await harness.gql(STOCK, { ids }, await harness.token('brand-acme', 'BRAND'));
    expect(response.data).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(await lastEntry('brand-acme', 'stock.status')).toMatchObject({
      effect: 'deny',
      code: 'FORBIDDEN',
      reasons: ['stock status is shared for the partner’s own products only'],
    });
  });

  it('refuses a brand whose contract does not name the action, naming it', async () => {
    const response = await harness.gql(
      STOCK,
      { ids: ['plain-thing-1'] },
      await harness.token('brand-plain', 'BRAND'),
    );
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.errors?.[0]?.message).toMatch(/does not name the inventory action stock.status/);
    expect(await lastEntry('brand-plain', 'stock.status')).toMatchObject({
      effect: 'deny',
      code: 'FORBIDDEN',
    });
  });

  it('refuses more than 100 products as BAD_USER_INPUT before deciding', async () => {
    const ids = Array.from({ length: 101 }, (_, index) => `acme-widget-${index}`);
    const response = await harness.gql(STOCK, { ids }, await harness.token('brand-acme', 'BRAND'));
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.['field']).toBe('productIds');
  });

  it('shows a brand its paused lines, with substitutes only when its contract allows them', async () => {
    const acme = await harness.gql(PAUSES, { id: 'cmp-acme-1' }, await harness.token('brand-acme', 'BRAND'));
    expect(acme.data?.['campaignPauses']).toEqual([
      {
        campaignId: 'cmp-acme-1',
        productId: 'acme-widget-1',
        region: 'west',
        since: '2026-11-02T10:00:00.000Z',
        substitute: 'acme-widget-2',
      },
    ]);
    const zestToken = await harness.token('brand-zest', 'BRAND');
    const zest = await harness.gql(PAUSES, { id: 'cmp-zest-1' }, zestToken);
    expect(zest.data?.['campaignPauses']).toEqual([
      expect.objectContaining({ productId: 'zest-fizz-1', substitute: null }),
    ]);
    const foreign = await harness.gql(PAUSES, { id: 'cmp-acme-1' }, zestToken);
    expect(codes(foreign)).toEqual(['FORBIDDEN']);
    expect(await lastEntry('brand-zest', 'campaign.pauses')).toMatchObject({
      effect: 'deny',
      code: 'FORBIDDEN',
    });
  });

  it('lets the host admin read any product’s stock', async () => {
    const response = await harness.gql(
      STOCK,
      { ids: ['zest-fizz-1', 'acme-widget-2'] },
      await harness.token('ops-1', 'HOST_ADMIN'),
    );
    expect(response.errors).toBeUndefined();
    expect((response.data?.['stockStatus'] as unknown[]).length).toBe(2);
  });
});
