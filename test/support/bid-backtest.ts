/**
 * The bidding backtest: one simulated week of the same seeded world served twice by a simple model of the host's
 * ad server, and judged on the simulator's ground truth.
 *
 * The ad server model (simulator `adServerBids`): for each slot it draws a campaign as the simulator always does,
 * bids its base bid times the campaign's multiplier on that placement and wins with probability
 * `min(1, 0.5 x multiplier)`; a lost slot goes to no campaign of ours and costs nothing.
 *
 * - without multipliers: every multiplier is 1 (the ad server wins half the slots it bids on, whatever happens);
 * - with multipliers: a closed loop. The week is generated an hour of simulated time at a time; each hour's raw
 *   records go through the real ingest, fraud detector, inventory and bidding stages on an embedded log, and the
 *   ad server reads the latest multiplier of every campaign and placement from `cleanroom.bids` before the next
 *   hour is generated (so a multiplier takes effect up to an hour after the records that moved it).
 *
 * The closed loop is not replay-exact: the bidding stage's inputs come from three producers (ingest, the fraud
 * detector, the inventory stage) whose interleaving in the log follows production timing, so the records it writes
 * (and with them the multipliers the ad server reads at an hour's end) can differ slightly between two runs, and the
 * served worlds then diverge. Each run is exact on restart over its own log; the figures of two runs differ.
 *
 * Figures from ground truth: spend (every ad event's cost), revenue the ads caused (the simulator's caused
 * purchases), ROAS = caused revenue / spend, and wasted spend: on invalid traffic (the simulator's planted bots,
 * click farms and data-centre scrapers) and on impressions whose product was out of stock in the viewer's region.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadOrCreateSecrets } from '../../policies/index.ts';
import { createBiddingHost } from '../../processors/bidding/index.ts';
import { createFraudProcessor } from '../../processors/fraud/index.ts';
import { createIngest } from '../../processors/ingest/index.ts';
import { createInventoryHost } from '../../processors/inventory/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log, LogConsumer, ProduceMessage } from '../../processors/runtime/index.ts';
import { TOPICS, bidMultiplierSchema } from '../../schema/index.ts';
import { createRawTopics, simulate, toProduceMessage } from '../../simulator/index.ts';
import type { AdServerBids, SimulatedRecord, SimulationOptions } from '../../simulator/index.ts';

/** What one run of the ad server cost and earned, on ground truth. */
export interface BacktestRun {
  impressions: number;
  /** Impressions that were not planted invalid traffic (real shoppers reached). */
  validImpressions: number;
  clicks: number;
  spend: number;
  causedRevenue: number;
  roas: number;
  invalidSpend: number;
  outOfStockSpend: number;
  wastedSpend: number;
  /** Spend beyond each campaign's daily budget, summed over campaigns and days. */
  overBudgetSpend: number;
}

/** Both runs and what the pipeline did in the second. */
export interface BacktestResult {
  without: BacktestRun;
  with: BacktestRun;
  /** Records of `cleanroom.bids` the closed loop read. */
  bidRecords: number;
  /** Multipliers in force at the end, by `campaignId|placement`. */
  finalMultipliers: Record<string, number>;
  /** Raw records that went through the pipeline. */
  records: number;
}

/** Options of {@link runBidBacktest}. */
export interface BacktestOptions {
  /** Folder for the embedded log and state (emptied by the caller). */
  dir: string;
  seed?: number;
  shoppers?: number;
  simulatedHours?: number;
  /** Simulated time between two reads of the multipliers by the ad server (default one hour). */
  feedIntervalMs?: number;
  progress?: (message: string) => void;
}

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

interface AdFacts {
  eventId: string;
  type: 'impression' | 'click';
  campaignId: string;
  occurredAt: string;
  cost?: number;
}

/** Ground-truth accounting of one run's stream. */
function createAccount(budgets: Map<string, number>) {
  const ads: AdFacts[] = [];
  return {
    add(record: SimulatedRecord): void {
      if (record.topic !== 'retail.ad-events' || record.raw === true || typeof record.value !== 'object')
        return;
      const value = record.value as Partial<AdFacts>;
      if (typeof value.eventId !== 'string' || typeof value.campaignId !== 'string') return;
      if (typeof value.occurredAt !== 'string' || (value.type !== 'impression' && value.type !== 'click'))
        return;
      ads.push(value as AdFacts);
    },
    close(truth: ReturnType<ReturnType<typeof simulate>['groundTruth']>): BacktestRun {
      const invalid = new Set(truth.invalidAdEvents.map((event) => event.eventId));
      let spend = 0;
      let invalidSpend = 0;
      let impressions = 0;
      let validImpressions = 0;
      let clicks = 0;
      const byDay = new Map<string, number>();
      for (const ad of ads) {
        const cost = ad.cost ?? 0;
        spend += cost;
        if (invalid.has(ad.eventId)) invalidSpend += cost;
        if (ad.type === 'impression') {
          impressions += 1;
          if (!invalid.has(ad.eventId)) validImpressions += 1;
        } else clicks += 1;
        const key = `${ad.campaignId}|${ad.occurredAt.slice(0, 10)}`;
        byDay.set(key, (byDay.get(key) ?? 0) + cost);
      }
      let overBudgetSpend = 0;
      for (const [key, daySpend] of byDay) {
        const budget = budgets.get(key.split('|')[0] as string);
        if (budget !== undefined) overBudgetSpend += Math.max(0, daySpend - budget);
      }
      const causedRevenue = truth.causedPurchases.reduce(
        (sum, purchase) => sum + purchase.quantity * purchase.unitPrice,
        0,
      );
      const outOfStockSpend = truth.inventory?.wastedSpend ?? 0;
      return {
        impressions,
        validImpressions,
        clicks,
        spend: round(spend),
        causedRevenue: round(causedRevenue),
        roas: spend === 0 ? 0 : round(causedRevenue / spend, 3),
        invalidSpend: round(invalidSpend),
        outOfStockSpend: round(outOfStockSpend),
        wastedSpend: round(invalidSpend + outOfStockSpend),
        overBudgetSpend: round(overBudgetSpend),
      };
    },
  };
}

function budgetsOf(world: SimulationOptions): Map<string, number> {
  const budgets = new Map<string, number>();
  const probe = simulate({ ...world, events: 10 });
  for (const record of probe) {
    if (record.topic !== 'retail.campaigns') continue;
    const campaign = record.value as { campaignId: string; dailyBudget?: number };
    if (campaign.dailyBudget !== undefined) budgets.set(campaign.campaignId, campaign.dailyBudget);
  }
  return budgets;
}

async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`backtest: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Run the backtest (see the file comment). */
export async function runBidBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const world: SimulationOptions = {
    seed: options.seed ?? 23,
    shoppers: options.shoppers ?? 1_000,
    simulatedHours: options.simulatedHours ?? 24 * 7,
    inventory: { stockOutsPerHour: 2 },
  };
  const feedIntervalMs = options.feedIntervalMs ?? 3_600_000;
  const progress = options.progress ?? (() => {});
  const budgets = budgetsOf(world);

  progress('bidding backtest: the week without multipliers');
  const flat: AdServerBids = () => 1;
  const baseline = simulate({ ...world, adServerBids: flat });
  const withoutAccount = createAccount(budgets);
  for (const record of baseline) withoutAccount.add(record);
  const without = withoutAccount.close(baseline.groundTruth());

  progress('bidding backtest: the week with multipliers, through the pipeline');
  fs.mkdirSync(options.dir, { recursive: true });
  const log: Log = createEmbeddedLog({ path: path.join(options.dir, 'log.sqlite') });
  const stateDir = path.join(options.dir, 'state');
  const multipliers = new Map<string, number>();
  let bidRecords = 0;
  const ingest = createIngest({
    log,
    dataDir: options.dir,
    secrets: loadOrCreateSecrets(options.dir),
    routeFraudInput: true,
  });
  const fraud = createFraudProcessor({ log, stateDir, route: false });
  const inventory = createInventoryHost({ log, stateDir });
  const bidding = createBiddingHost({ log, stateDir });
  let reader: LogConsumer | null = null;
  try {
    await createRawTopics(log);
    await Promise.all([fraud.start(), inventory.start(), bidding.start()]);
    await ingest.start();
    reader = log.consumer({ groupId: 'bidding-backtest-ad-server', topics: [TOPICS.bids], autoCommit: true });
    let readUpTo = 0;
    await reader.run(async (batch) => {
      for (const record of batch.records) {
        const bid = bidMultiplierSchema.parse(JSON.parse(record.value));
        multipliers.set(`${bid.campaignId}|${bid.placement}`, bid.multiplier);
        bidRecords += 1;
        readUpTo += 1;
      }
    });
    const live = simulate({
      ...world,
      adServerBids: (line) => multipliers.get(`${line.campaignId}|${line.placement}`) ?? 1,
    });
    const withAccount = createAccount(budgets);
    let clock = 0;
    let records = 0;
    let boundary = Number.NEGATIVE_INFINITY;
    let chunk: SimulatedRecord[] = [];
    const flush = async (): Promise<void> => {
      const byTopic = new Map<string, ProduceMessage[]>();
      for (const record of chunk) {
        clock = Math.max(Date.now(), clock + 1);
        const messages = byTopic.get(record.topic) ?? [];
        messages.push({ ...toProduceMessage(record), timestamp: clock });
        byTopic.set(record.topic, messages);
      }
      for (const [topic, messages] of byTopic) await log.produce(topic, messages);
      records += chunk.length;
      chunk = [];
      await until(
        async () =>
          (await ingest.caughtUp()) &&
          (await fraud.caughtUp()) &&
          (await inventory.caughtUp()) &&
          (await bidding.caughtUp()),
        'the pipeline to catch up',
      );
      const ends = await log.endOffsets(TOPICS.bids);
      const total = ends.reduce((sum, end) => sum + end, 0);
      await until(() => readUpTo >= total, 'the ad server to read the multipliers');
    };
    let hour = 0;
    for (const record of live) {
      withAccount.add(record);
      const occurredAt =
        typeof record.value === 'object' ? (record.value as { occurredAt?: unknown }).occurredAt : undefined;
      const atMs = typeof occurredAt === 'string' ? Date.parse(occurredAt) : Number.NaN;
      if (Number.isFinite(atMs) && atMs >= boundary) {
        if (chunk.length > 0) await flush();
        boundary = (Math.floor(atMs / feedIntervalMs) + 1) * feedIntervalMs;
        hour += 1;
        if (hour % 24 === 0) progress(`bidding backtest: ${hour} simulated hours, ${records} records`);
      }
      chunk.push(record);
    }
    if (chunk.length > 0) await flush();
    return {
      without,
      with: withAccount.close(live.groundTruth()),
      bidRecords,
      finalMultipliers: Object.fromEntries([...multipliers].sort(([a], [b]) => a.localeCompare(b))),
      records,
    };
  } finally {
    await reader?.stop();
    await ingest.stop();
    await Promise.all([fraud.stop(), inventory.stop(), bidding.stop()]);
    await log.close();
  }
}
