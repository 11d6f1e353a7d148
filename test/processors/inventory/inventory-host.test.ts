/**
 * The inventory stage on the processor host over a real embedded log and real SQLite state files: pauses and
 * resumes per campaign line and region, substitutes where the brand may substitute, stale counts skipped, bad
 * input dead-lettered, and state that survives a restart of the host (no pause repeated, none lost).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createInventoryHost } from '../../../processors/inventory/index.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log, ProcessorHost } from '../../../processors/runtime/index.ts';
import { TOPICS, campaignPauseSchema, deadLetterSchema, stockStatusSchema } from '../../../schema/topics.ts';
import type { CampaignInfo, CampaignPause, InventoryLevel, StockStatus } from '../../../schema/topics.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { readAll } from '../../helpers/read-topic.ts';

const resources: { hosts: ProcessorHost[]; log?: Log; dir?: string } = { hosts: [] };

afterEach(async () => {
  for (const host of resources.hosts.splice(0)) await host.stop();
  await resources.log?.close();
  if (resources.dir) removeTempDir(resources.dir);
});

const T0 = Date.parse('2026-03-02T08:00:00Z');
const iso = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
let sequence = 0;
const level = (sku: string, store: number, onHand: number, minutes: number): InventoryLevel => ({
  eventId: `retail.inventory:inv-${(sequence += 1)}`,
  occurredAt: iso(minutes),
  storeId: `store-west-0${store}`,
  region: 'west',
  sku,
  category: 'soda',
  brand: 'sparkle-soda',
  onHand,
  onOrder: onHand === 0 ? 48 : 0,
});
const campaign = (campaignId: string, brand: string, products: CampaignInfo['products']): CampaignInfo => ({
  campaignId,
  brand,
  name: campaignId,
  startsAt: iso(-60 * 24),
  products,
  clickLookbackDays: 14,
  viewLookbackDays: 1,
  holdoutPercent: 0,
});

async function produceLevels(log: Log, levels: InventoryLevel[]): Promise<void> {
  await log.produce(
    TOPICS.inventory,
    levels.map((value) => ({
      key: value.sku,
      value: JSON.stringify(value),
      timestamp: Date.parse(value.occurredAt),
    })),
  );
}

async function startHost(log: Log, dir: string, substitutionBrands: string[]): Promise<ProcessorHost> {
  const host = createInventoryHost({ log, stateDir: `${dir}/state`, substitutionBrands });
  resources.hosts.push(host);
  await host.start();
  return host;
}

async function settle(host: ProcessorHost): Promise<void> {
  await waitFor(() => host.caughtUp(), { timeout: 30_000, interval: 100, message: 'inventory caught up' });
}

async function pauses(log: Log): Promise<CampaignPause[]> {
  return (await readAll(log, TOPICS.campaignPauses)).map((record) =>
    campaignPauseSchema.parse(JSON.parse(record.value)),
  );
}

describe('the inventory stage on the processor host', () => {
  it('pauses a line when its region runs out, names a substitute, resumes after a restart, skips stale counts', async () => {
    const dir = createTempDir('inventory-host');
    resources.dir = dir;
    const log = createEmbeddedLog({ path: `${dir}/log.sqlite` });
    resources.log = log;
    await log.createTopic(TOPICS.campaigns, { compacted: true });
    await log.createTopic(TOPICS.inventory);
    await log.produce(TOPICS.campaigns, [
      {
        key: 'cmp-soda',
        value: JSON.stringify(campaign('cmp-soda', 'sparkle-soda', { skus: ['soda-1', 'soda-2'] })),
        timestamp: T0 - 1,
      },
      {
        key: 'cmp-oats',
        value: JSON.stringify(campaign('cmp-oats', 'fresh-oats', { brands: ['fresh-oats'] })),
        timestamp: T0 - 1,
      },
    ]);
    const initial = [1, 2, 3, 4].flatMap((store) => [
      level('soda-1', store, 20, 0),
      level('soda-2', store, 30, 0),
    ]);
    // Two empty shelves of four: half the region still holds it (0.5 >= 0.5), nothing pauses.
    await produceLevels(log, [...initial, level('soda-1', 1, 0, 10), level('soda-1', 2, 0, 20)]);
    const first = await startHost(log, dir, ['sparkle-soda']);
    await settle(first);
    expect(await pauses(log)).toEqual([]);

    // A third: 1 of 4 in stock, the line pauses in west with soda-2 (in every store) as its substitute.
    const third = level('soda-1', 3, 0, 30);
    await produceLevels(log, [third]);
    await settle(first);
    const afterThird = await pauses(log);
    expect(afterThird).toEqual([
      {
        decisionId: `pause:cmp-soda:soda-1:west:${third.eventId}`,
        campaignId: 'cmp-soda',
        brand: 'sparkle-soda',
        sku: 'soda-1',
        region: 'west',
        action: 'pause',
        at: iso(30),
        inStockShare: 0.25,
        substitute: { sku: 'soda-2', inStockShare: 1 },
      },
    ]);

    // Restart on the same state files: the state knows the line is paused.
    await first.stop();
    resources.hosts.splice(resources.hosts.indexOf(first), 1);
    const restock = level('soda-1', 3, 24, 90);
    // Delivered after the restock but counted before it: stale, skipped.
    const older = level('soda-1', 3, 0, 60);
    await produceLevels(log, [restock, older]);
    const second = await startHost(log, dir, ['sparkle-soda']);
    await settle(second);
    const all = await pauses(log);
    expect(all.map((pause) => pause.action)).toEqual(['pause', 'resume']);
    expect(all[1]).toMatchObject({
      decisionId: `pause:cmp-soda:soda-1:west:${restock.eventId}`,
      action: 'resume',
      inStockShare: 0.5,
      substitute: null,
    });
    expect(second.stats().counts['stale']).toBe(1);

    // Statuses: the region's share went 1 -> 0.75 -> 0.5 -> 0.25 -> 0.5 for soda-1.
    const statuses: StockStatus[] = (await readAll(log, TOPICS.stock)).map((record) =>
      stockStatusSchema.parse(JSON.parse(record.value)),
    );
    const soda1West = statuses.filter((status) => status.level === 'region' && status.sku === 'soda-1');
    expect(soda1West.map((status) => status.inStockShare).slice(-4)).toEqual([0.75, 0.5, 0.25, 0.5]);
    expect(soda1West.at(-2)?.inStock).toBe(false);
    expect(new Set(statuses.map((status) => status.statusId)).size).toBe(statuses.length);
  }, 90_000);

  it('restates a pause with a substitute once a sibling in stock is first reported', async () => {
    const dir = createTempDir('inventory-host-late-sibling');
    resources.dir = dir;
    const log = createEmbeddedLog({ path: `${dir}/log.sqlite` });
    resources.log = log;
    await log.createTopic(TOPICS.campaigns, { compacted: true });
    await log.createTopic(TOPICS.inventory);
    await log.produce(TOPICS.campaigns, [
      {
        key: 'cmp-soda',
        value: JSON.stringify(campaign('cmp-soda', 'sparkle-soda', { brands: ['sparkle-soda'] })),
        timestamp: T0 - 1,
      },
    ]);
    const out = level('soda-1', 1, 0, 0);
    const sibling = level('soda-2', 1, 12, 1);
    await produceLevels(log, [out, sibling]);
    const host = await startHost(log, dir, ['sparkle-soda']);
    await settle(host);
    const decided = await pauses(log);
    expect(decided.map((pause) => [pause.sku, pause.action, pause.substitute?.sku ?? null])).toEqual([
      ['soda-1', 'pause', null],
      ['soda-1', 'pause', 'soda-2'],
    ]);
    expect(decided[1]!.decisionId).toBe(`pause:cmp-soda:soda-1:west:${sibling.eventId}`);
  }, 90_000);

  it('names no substitute for a brand without the right, and dead-letters a count it cannot read', async () => {
    const dir = createTempDir('inventory-host-nosub');
    resources.dir = dir;
    const log = createEmbeddedLog({ path: `${dir}/log.sqlite` });
    resources.log = log;
    await log.createTopic(TOPICS.campaigns, { compacted: true });
    await log.createTopic(TOPICS.inventory);
    await produceLevels(
      log,
      [1, 2].flatMap((store) => [level('soda-1', store, 0, 0), level('soda-2', store, 9, 0)]),
    );
    await log.produce(TOPICS.inventory, [
      { key: 'soda-1', value: '{"sku":"soda-1","onHand":-1}', timestamp: T0 },
    ]);
    // The campaign arrives after the stock-out: its line pauses when it does.
    await log.produce(TOPICS.campaigns, [
      {
        key: 'cmp-soda',
        value: JSON.stringify(campaign('cmp-soda', 'sparkle-soda', { categories: ['soda'] })),
        timestamp: T0 + 60_000,
      },
    ]);
    const host = await startHost(log, dir, []);
    await settle(host);
    const decided = await pauses(log);
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({ sku: 'soda-1', action: 'pause', substitute: null, inStockShare: 0 });
    const letters = (await readAll(log, TOPICS.deadLetter)).map((record) =>
      deadLetterSchema.parse(JSON.parse(record.value)),
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ sourceTopic: TOPICS.inventory });
    expect(letters[0]!.field).not.toBe('');
  }, 90_000);
});
