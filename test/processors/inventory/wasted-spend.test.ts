/**
 * The measurable result of inventory-aware ad targeting, on the simulator's ground truth.
 *
 * Run 1 (awareness off): a seeded world with planted stock-outs; its stock counts and campaigns go through the
 * real ingest and the inventory stage over an embedded log, whose `cleanroom.campaign-pauses` become the ad
 * server's pause feed (a decision takes effect five minutes after the count that caused it: a conservative
 * allowance for the stock system's, the pipeline's and the ad server's delays together). Run 2 (awareness on): the same seed, the ad server skipping every paused line.
 * Shoppers, stores and stock-outs are the same in both runs (the stock system has its own random stream); only
 * which ads are served differs. Wasted spend is the cost of impressions (and their clicks) whose product was out
 * of stock in the viewer's region, as the simulator planted it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecrets } from '../../../policies/index.ts';
import { createIngest } from '../../../processors/ingest/index.ts';
import type { Ingest } from '../../../processors/ingest/index.ts';
import { createInventoryHost } from '../../../processors/inventory/index.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log, ProcessorHost } from '../../../processors/runtime/index.ts';
import { TOPICS, campaignPauseSchema } from '../../../schema/topics.ts';
import type { CampaignPause } from '../../../schema/topics.ts';
import { simulate, writeToLog } from '../../../simulator/index.ts';
import type { AdServerPauses, SimulationOptions } from '../../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { readAll } from '../../helpers/read-topic.ts';

const resources: { ingest?: Ingest; inventory?: ProcessorHost; log?: Log; dir?: string } = {};

afterEach(async () => {
  await resources.ingest?.stop();
  await resources.inventory?.stop();
  await resources.log?.close();
  if (resources.dir) removeTempDir(resources.dir);
});

/** The ad server's view of the pause feed: a line is paused from its latest pause until a resume. */
function pauseFeed(decisions: CampaignPause[], lagMs: number): AdServerPauses {
  const byLine = new Map<string, Array<{ fromMs: number; paused: boolean }>>();
  for (const decision of decisions) {
    const line = `${decision.campaignId}|${decision.sku}|${decision.region}`;
    const changes = byLine.get(line) ?? [];
    changes.push({ fromMs: Date.parse(decision.at) + lagMs, paused: decision.action === 'pause' });
    byLine.set(line, changes);
  }
  for (const changes of byLine.values()) changes.sort((a, b) => a.fromMs - b.fromMs);
  return (line, atMs) => {
    let paused = false;
    for (const change of byLine.get(`${line.campaignId}|${line.sku}|${line.region}`) ?? []) {
      if (change.fromMs > atMs) break;
      paused = change.paused;
    }
    return paused;
  };
}

const WORLD: SimulationOptions = {
  seed: 19,
  shoppers: 3_000,
  simulatedHours: 24,
  malformedShare: 0.002,
  inventory: { stockOutsPerHour: 2 },
};

describe('inventory-aware ad targeting on the simulator ground truth', () => {
  it('cuts spend on ads for out-of-stock products by at least 90% and keeps serving products in stock', async () => {
    const dir = createTempDir('inventory-wasted');
    resources.dir = dir;
    const log = createEmbeddedLog({ path: `${dir}/log.sqlite` });
    resources.log = log;

    const off = simulate(WORLD);
    // The inventory stage reads stock counts and campaigns; the rest of the stream plays no part in a pause.
    const written = await writeToLog(
      log,
      [...off].filter((record) => record.topic === 'retail.inventory' || record.topic === 'retail.campaigns'),
    );
    const truthOff = off.groundTruth();
    expect(truthOff.inventory).not.toBeNull();
    const stockOff = truthOff.inventory!;

    resources.inventory = createInventoryHost({ log, stateDir: `${dir}/state` });
    await resources.inventory.start();
    resources.ingest = createIngest({ log, dataDir: dir, secrets: loadOrCreateSecrets(dir) });
    await resources.ingest.start();
    await waitFor(
      async () => (await resources.ingest!.caughtUp()) && (await resources.inventory!.caughtUp()),
      {
        timeout: 120_000,
        interval: 250,
        message: 'ingest and inventory caught up',
      },
    );
    expect(resources.ingest.stats().inventory + resources.ingest.stats().deadLettered).toBeGreaterThan(0);
    const malformedInventory = truthOff.malformed.filter(
      (entry) => entry.topic === 'retail.inventory',
    ).length;
    expect(resources.ingest.stats().deadLettered).toBe(
      malformedInventory + truthOff.malformed.filter((entry) => entry.topic === 'retail.campaigns').length,
    );
    expect(written.records).toBeGreaterThan(0);

    const decisions = (await readAll(log, TOPICS.campaignPauses)).map((record) =>
      campaignPauseSchema.parse(JSON.parse(record.value)),
    );
    expect(decisions.some((decision) => decision.action === 'pause')).toBe(true);

    const on = simulate({
      ...WORLD,
      inventory: { stockOutsPerHour: 2, adServerPauses: pauseFeed(decisions, 5 * 60_000) },
    });
    for (const record of on) void record;
    const stockOn = on.groundTruth().inventory!;
    // The same planted stock-outs in both runs.
    expect(stockOn.stockOuts).toEqual(stockOff.stockOuts);
    expect(stockOff.stockOuts.some((stockOut) => stockOut.kind === 'regional')).toBe(true);
    expect(stockOff.stockOuts.some((stockOut) => stockOut.kind === 'single_store')).toBe(true);

    const reduction = 1 - stockOn.wastedSpend / stockOff.wastedSpend;
    const inStockOff = stockOff.impressions - stockOff.wastedImpressions;
    const inStockOn = stockOn.impressions - stockOn.wastedImpressions;
    console.info(
      JSON.stringify({
        wastedSpendOff: stockOff.wastedSpend,
        wastedSpendOn: stockOn.wastedSpend,
        wastedImpressionsOff: stockOff.wastedImpressions,
        wastedImpressionsOn: stockOn.wastedImpressions,
        reduction: Math.round(reduction * 1000) / 1000,
        inStockImpressionsOff: inStockOff,
        inStockImpressionsOn: inStockOn,
        pausedWhileOut: stockOn.pausedWhileOut,
        pausedWhileInStock: stockOn.pausedWhileInStock,
      }),
    );
    expect(stockOff.wastedImpressions).toBeGreaterThan(100);
    expect(reduction).toBeGreaterThanOrEqual(0.9);
    // Not by pausing everything: single-store stock-outs pause nothing, and lines in stock keep being served.
    expect(stockOn.pausedWhileInStock).toBeLessThan(0.05 * stockOn.pausedWhileOut + 20);
    expect(inStockOn).toBeGreaterThan(0.95 * inStockOff);
  }, 300_000);
});
