import { describe, expect, it } from 'vitest';
import type { TransactionEvent } from '../../schema/events.ts';
import { serveAd } from '../../simulator/ads.ts';
import { createContext } from '../../simulator/context.ts';
import type { SimulationContext } from '../../simulator/context.ts';
import { createRandom, createWorld } from '../../simulator/index.ts';
import { checkout } from '../../simulator/purchases.ts';
import { createSchedule } from '../../simulator/schedule.ts';
import type { Schedule } from '../../simulator/schedule.ts';
import { isHeldOut } from '../../simulator/shoppers.ts';
import type { Shopper } from '../../simulator/shoppers.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.parse('2026-03-02T00:00:00.000Z');

/** A world where every exposure inside its lookback causes a purchase, so only the lookback decides. */
function setup(): { ctx: SimulationContext; schedule: Schedule; shopper: Shopper } {
  const world = createWorld({ seed: 1, shoppers: 100 });
  for (const campaign of world.campaigns) {
    campaign.clickUplift = 1;
    campaign.viewUplift = 1;
  }
  const schedule = createSchedule();
  const ctx = createContext(world, createRandom(1), schedule);
  const campaign = world.campaigns[0]!;
  const shopper = world.shoppers.find(
    (candidate) =>
      candidate.loyaltyId !== undefined &&
      !isHeldOut(candidate, campaign.event.campaignId, campaign.holdoutPercent),
  )!;
  return { ctx, schedule, shopper };
}

function expose(ctx: SimulationContext, shopper: Shopper, atMs: number, click: boolean): void {
  serveAd(ctx, {
    placement: 'search',
    atMs,
    shopper,
    customer: { loyaltyId: shopper.loyaltyId! },
    identifiable: true,
    campaignIndex: 0,
    clickProbability: click ? 1 : 0,
  });
}

function emitAll(schedule: Schedule): TransactionEvent[] {
  const purchases: TransactionEvent[] = [];
  for (let record = schedule.pop(); record !== undefined; record = schedule.pop()) {
    record.emitted = true;
    record.onEmit?.(record);
    if (record.topic === 'retail.transactions') purchases.push(record.value as TransactionEvent);
  }
  return purchases;
}

function buy(ctx: SimulationContext, shopper: Shopper, atMs: number): void {
  checkout(ctx, { shopper, channel: 'online', atMs, organic: false });
}

describe('caused purchases', () => {
  it('credits a view inside the view lookback and not one outside it', () => {
    const { ctx, schedule, shopper } = setup();
    expose(ctx, shopper, START_MS, false);
    buy(ctx, shopper, START_MS + 25 * HOUR_MS);
    expect(emitAll(schedule)).toHaveLength(0);
    expect(ctx.truth.causedCandidates).toHaveLength(0);
    expose(ctx, shopper, START_MS + 30 * HOUR_MS, false);
    buy(ctx, shopper, START_MS + 31 * HOUR_MS);
    const [purchase] = emitAll(schedule);
    expect(ctx.truth.causedCandidates.map((candidate) => candidate.truth.exposureType)).toEqual([
      'impression',
    ]);
    expect(purchase?.items.map((item) => item.sku)).toEqual([ctx.truth.causedCandidates[0]?.truth.sku]);
  });

  it('credits a click inside the click lookback and not one outside it', () => {
    const { ctx, schedule, shopper } = setup();
    expose(ctx, shopper, START_MS, true);
    buy(ctx, shopper, START_MS + 15 * 24 * HOUR_MS);
    emitAll(schedule);
    expect(ctx.truth.causedCandidates).toHaveLength(0);
    expose(ctx, shopper, START_MS + 16 * 24 * HOUR_MS, true);
    buy(ctx, shopper, START_MS + 26 * 24 * HOUR_MS);
    emitAll(schedule);
    expect(ctx.truth.causedCandidates.map((candidate) => candidate.truth.exposureType)).toEqual(['click']);
  });

  it('never credits an exposure after the purchase or the same exposure twice', () => {
    const { ctx, schedule, shopper } = setup();
    expose(ctx, shopper, START_MS + HOUR_MS, false);
    buy(ctx, shopper, START_MS);
    buy(ctx, shopper, START_MS + 2 * HOUR_MS);
    buy(ctx, shopper, START_MS + 3 * HOUR_MS);
    emitAll(schedule);
    expect(ctx.truth.causedCandidates).toHaveLength(1);
  });
});
