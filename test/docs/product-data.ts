/**
 * Data the guides' operations need in a product started without its simulator: records produced straight onto the
 * log the product reads (`<dataDir>/log.sqlite`, opened from this process): a campaign with attribution aggregates,
 * members of a shared segment, a trigger, the demo's first loyalty profiles (whom the sample audience file names),
 * stock counts with a stock-out, and a steady trickle
 * of new segment members and triggers for the live subscriptions.
 */
import path from 'node:path';
import { DEFAULT_BID_BOUNDS, RAW_TOPICS, TOPICS } from '../../schema/index.ts';
import type {
  BidMultiplier,
  AttributionAggregate,
  CampaignInfo,
  ConsentChange,
  InventoryEvent,
  LoyaltyEvent,
  OfferStat,
  SegmentChange,
  Trigger,
} from '../../schema/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log } from '../../processors/runtime/index.ts';
import { demoSimulationOptions, demoStart, simulate, toProduceMessage } from '../../simulator/index.ts';
import type { SimulatedRecord } from '../../simulator/index.ts';

/** The campaign the partner guide reports on (the simulator's fresh-oats campaign has the same id). */
export const GUIDE_CAMPAIGN = 'cmp-fresh-oats-spring';
/** The segment the partner guide subscribes to and sizes. */
export const GUIDE_SEGMENT = 'plant-milk-buyers';
/**
 * Loyalty members produced: the first ones the demo's world introduces, as its simulator writes their profiles
 * (consent as in the demo), so the shipped sample audience (`examples/audiences/`) overlaps them as it does the demo.
 */
export const LOYALTY_MEMBERS = 650;
/**
 * Members of the shared segment at the start: far above the host's activation minimum (100 + a hysteresis of 10),
 * so signals flow from the first gate decision. The sample host decides on a size noised at epsilon 0.02 (noise of
 * scale 50): with 160 members, about one first decision in five came out closed and the next came only 30 s later.
 */
export const SEGMENT_MEMBERS = 400;

/** The demo world's first loyalty records, up to {@link LOYALTY_MEMBERS} members. */
function demoLoyaltyRecords(): SimulatedRecord[] {
  const records: SimulatedRecord[] = [];
  const members = new Set<string>();
  for (const record of simulate(demoSimulationOptions({ seed: 1, startMs: demoStart() }))) {
    if (record.topic !== RAW_TOPICS.loyalty) continue;
    const loyaltyId = (record.value as LoyaltyEvent).loyaltyId;
    if (!members.has(loyaltyId) && members.size === LOYALTY_MEMBERS) break;
    members.add(loyaltyId);
    records.push(record);
  }
  return records;
}

function segmentEntered(subjectId: string, sequence: number): SegmentChange {
  return {
    changeId: `seg:${GUIDE_SEGMENT}:${subjectId}:${sequence}`,
    segmentId: GUIDE_SEGMENT,
    subjectId,
    action: 'entered',
    at: new Date().toISOString(),
    cause: 'event',
    segmentSize: sequence,
    partnerSharing: true,
  };
}

function trigger(hour: number, region: string): Trigger {
  const windowStart = new Date(Date.UTC(2026, 2, 2, hour)).toISOString();
  return {
    triggerId: `trigger:plant_based_meat:${region}:${windowStart}`,
    category: 'plant_based_meat',
    region,
    windowStart,
    windowEnd: new Date(Date.UTC(2026, 2, 2, hour + 1)).toISOString(),
    lift: 2.5,
    baseline: 48,
    observed: 120,
    distinctBuyers: 120,
  };
}

function aggregate(day: string, channel: 'online' | 'store', exposedSubjects: number): AttributionAggregate {
  return {
    kind: 'aggregate',
    aggregateId: `agg:${GUIDE_CAMPAIGN}:${day}:${channel}:linear`,
    version: 1,
    campaignId: GUIDE_CAMPAIGN,
    day,
    channel,
    model: 'linear',
    exposedSubjects,
    convertingSubjects: Math.floor(exposedSubjects / 8),
    conversions: exposedSubjects / 8,
    revenue: exposedSubjects * 2.5,
    directRevenue: exposedSubjects * 2,
    haloRevenue: exposedSubjects / 2,
    spend: exposedSubjects,
    // Every subject within the host's contribution bounds: the bounded sums equal the exact ones.
    bounded: {
      exposedSubjects,
      conversions: exposedSubjects / 8,
      revenue: exposedSubjects * 2.5,
      spend: exposedSubjects,
    },
  };
}

/** A subject's first consent record, with partner sharing (what ingest writes for a consenting member). */
function consenting(subjectId: string): ConsentChange {
  return {
    changeId: `consent:${subjectId}`,
    subjectId,
    occurredAt: new Date().toISOString(),
    consent: { measurement: true, personalization: true, partnerSharing: true },
    erased: false,
  };
}

const json = (key: string, value: unknown) => ({ key, value: JSON.stringify(value) });

/**
 * Stock counts on `retail.inventory` (through ingest and the inventory stage): in region west, every store holds
 * the Fresh Oats cereals and a Sparkle Soda; then three of four stores run out of `fresh-oats-cereal-1`, which
 * pauses the guide campaign's line for it in west with `fresh-oats-cereal-2` as its substitute.
 */
export const STOCK_OUT = {
  sku: 'fresh-oats-cereal-1',
  substitute: 'fresh-oats-cereal-2',
  region: 'west',
} as const;

function stockCounts(): Array<{ key: string; value: string }> {
  const opening = Date.parse('2026-03-02T06:00:00.000Z');
  const products = [
    { sku: STOCK_OUT.sku, category: 'cereal', brand: 'fresh-oats' },
    { sku: STOCK_OUT.substitute, category: 'cereal', brand: 'fresh-oats' },
    { sku: 'sparkle-soda-soda-1', category: 'soda', brand: 'sparkle-soda' },
  ];
  const count = (
    store: number,
    product: (typeof products)[number],
    onHand: number,
    minutes: number,
    n: number,
  ) => {
    const storeId = `store-west-0${store}`;
    const value: InventoryEvent = {
      eventId: `docs-inv-${n}`,
      occurredAt: new Date(opening + minutes * 60_000).toISOString(),
      storeId,
      region: STOCK_OUT.region,
      ...product,
      onHand,
      onOrder: onHand === 0 ? 36 : 0,
    };
    return { key: `${storeId}|${product.sku}`, value: JSON.stringify(value) };
  };
  const records = [1, 2, 3, 4].flatMap((store) =>
    products.map((product, index) => count(store, product, 40, 0, store * 10 + index)),
  );
  for (const store of [1, 2, 3]) records.push(count(store, products[0]!, 0, 10 * store, 100 + store));
  return records;
}

/**
 * Bid multipliers of the guide campaign as the bidding stage writes them, with volumes far above the noise of a
 * brand's daily stream (the guide runs without the simulator, so no ad event reaches the stage).
 */
function guideBids(): BidMultiplier[] {
  const record = (
    placement: 'search' | 'app',
    clicks: number,
    conversions: number,
    invalid: number,
  ): BidMultiplier => ({
    bidId: `bid:${GUIDE_CAMPAIGN}:${placement}:docs`,
    campaignId: GUIDE_CAMPAIGN,
    brand: 'fresh-oats',
    placement,
    multiplier: placement === 'search' ? 1.6 : 0.4,
    reasons: [
      { code: 'conversion_rate', factor: placement === 'search' ? 1.6 : 0.8, note: 'docs', observed: {} },
      { code: 'invalid_traffic', factor: placement === 'search' ? 1 : 0.5, note: 'docs', observed: {} },
      { code: 'stock', factor: 1, note: 'every line in stock', observed: {} },
      { code: 'pacing', factor: 1, note: 'on plan', observed: {} },
      { code: 'flight', factor: 1, note: 'in flight', observed: {} },
    ],
    at: '2026-03-02T12:00:00.000Z',
    bounded: {
      adEvents: 4_000_000,
      invalidAdEvents: invalid,
      clicks,
      conversions,
      contributors: 2_000_000,
      spend: 200_000,
      spendToday: 20_000,
      bounds: DEFAULT_BID_BOUNDS,
    },
  });
  return [record('search', 1_000_000, 400_000, 0), record('app', 1_000_000, 150_000, 1_000_000)];
}

/**
 * The offer report's cells of Fresh Oats (on `cleanroom.offer-stats`, as the offer engine writes them): a busy day in
 * west, far above the threshold after noise, and a quiet one in east, far below it.
 */
function offerStats(): Array<{ key: string; value: string }> {
  const cell = (region: string, shoppers: number, made: number, redeemed: number): OfferStat => ({
    statId: `offer-stats:fresh-oats:2026-03-02:${region}`,
    version: 1,
    brand: 'fresh-oats',
    day: '2026-03-02',
    region,
    offeredSubjects: shoppers,
    offersMade: made,
    offersRedeemed: redeemed,
    bounded: {
      offeredSubjects: shoppers,
      offersMade: made,
      offersRedeemed: redeemed,
      bounds: { cellsPerBrand: 4, offersPerShopperPerDay: 2 },
    },
  });
  return [cell('west', 420, 510, 140), cell('east', 6, 6, 1)].map((value) => json('fresh-oats', value));
}

/** The product's log, opened from the test process, and what the guides need written to it. */
export interface ProductData {
  log: Log;
  /** Write the fixed records (campaign, aggregates, segment members, a trigger, the demo's first loyalty profiles). */
  seed(): Promise<void>;
  /** Start producing one new segment member and one new trigger every `intervalMs`. */
  startTrickle(intervalMs: number): void;
  close(): Promise<void>;
}

/** Open the embedded log of a product running on `dataDir`. */
export function openProductData(dataDir: string): ProductData {
  const log = createEmbeddedLog({ path: path.join(dataDir, 'log.sqlite') });
  let timer: NodeJS.Timeout | undefined;
  let produced = 0;
  let pending: Promise<unknown> = Promise.resolve();
  return {
    log,
    async seed() {
      const campaign: CampaignInfo = {
        campaignId: GUIDE_CAMPAIGN,
        brand: 'fresh-oats',
        name: 'Fresh Oats spring breakfast',
        startsAt: '2026-02-23T00:00:00.000Z',
        endsAt: '2026-05-01T00:00:00.000Z',
        products: { brands: ['fresh-oats'] },
        clickLookbackDays: 14,
        viewLookbackDays: 1,
        holdoutPercent: 0,
      };
      await log.produce(TOPICS.campaigns, [json(GUIDE_CAMPAIGN, campaign)]);
      await log.produce(TOPICS.attributions, [
        json(GUIDE_CAMPAIGN, aggregate('2026-03-02', 'online', 180)),
        json(GUIDE_CAMPAIGN, aggregate('2026-03-02', 'store', 95)),
        json(GUIDE_CAMPAIGN, aggregate('2026-03-03', 'online', 12)),
      ]);
      await log.produce(
        TOPICS.consent,
        Array.from({ length: SEGMENT_MEMBERS }, (_, index) =>
          json(`docs-subject-${index}`, consenting(`docs-subject-${index}`)),
        ),
      );
      await log.produce(
        TOPICS.segmentChanges,
        Array.from({ length: SEGMENT_MEMBERS }, (_, index) =>
          json(`docs-subject-${index}`, segmentEntered(`docs-subject-${index}`, index)),
        ),
      );
      await log.produce(TOPICS.triggers, [json('plant_based_meat|north', trigger(9, 'north'))]);
      await log.produce(RAW_TOPICS.loyalty, demoLoyaltyRecords().map(toProduceMessage));
      await log.produce(RAW_TOPICS.inventory, stockCounts());
      await log.produce(
        TOPICS.bids,
        guideBids().map((bid) => json(GUIDE_CAMPAIGN, bid)),
      );
      await log.produce(TOPICS.offerStats, offerStats());
    },
    startTrickle(intervalMs) {
      timer = setInterval(() => {
        produced += 1;
        const subjectId = `docs-live-${produced}`;
        pending = Promise.all([
          log
            .produce(TOPICS.consent, [json(subjectId, consenting(subjectId))])
            .then(() =>
              log.produce(TOPICS.segmentChanges, [
                json(subjectId, segmentEntered(subjectId, 1_000 + produced)),
              ]),
            ),
          log.produce(TOPICS.triggers, [json('plant_based_meat|south', trigger(10 + produced, 'south'))]),
        ]);
      }, intervalMs);
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await pending.catch(() => undefined);
      await log.close();
    },
  };
}
