/**
 * The ad server: fills a slot with a campaign's impression, sometimes a click, and remembers identifiable
 * exposures so later purchases can be caused by them. Held-out shoppers never see their campaign's ads.
 */
import type { AdEvent, Customer, Placement } from '../schema/events.ts';
import type { SimulationContext } from './context.ts';
import { EXPOSURE_ROLLS, isoAt } from './context.ts';
import type { PendingRecord } from './schedule.ts';
import { isHeldOut } from './shoppers.ts';
import type { Shopper } from './shoppers.ts';
import type { InvalidEventTruth, WastedImpressionTruth } from './truth.ts';
import { featuredProduct } from './inventory.ts';

/** Click-through rate of each placement for real shoppers. */
export const CLICK_THROUGH_RATES: Record<Placement, number> = {
  search: 0.06,
  product_page: 0.03,
  home: 0.015,
  app: 0.025,
  in_store_screen: 0,
};

/** Share of slots a bid-aware ad server wins at a multiplier of 1 (see `AdServerBids`). */
export const AD_SERVER_BASE_WIN_RATE = 0.5;

/** An ad slot to fill. */
export interface AdSlot {
  placement: Placement;
  atMs: number;
  /** The viewer when known to the simulator (null for bots and farms). */
  shopper: Shopper | null;
  customer?: Customer;
  deviceId?: string;
  ip?: string;
  userAgent?: string;
  /** Remember the exposure as a possible cause of purchases (the event identifies a loyalty member). */
  identifiable: boolean;
  /** Serve this campaign instead of drawing one. */
  campaignIndex?: number;
  /** Override the placement's click-through rate. */
  clickProbability?: number;
  /** Seconds between impression and click (default 2 to 40). */
  clickDelayMs?: number;
  /** Planted invalid traffic: every event of the slot is recorded as invalid with these reasons. */
  invalid?: Omit<InvalidEventTruth, 'eventId'>;
  /** Called as each event of the slot is emitted. */
  onEmitted?: (record: PendingRecord) => void;
}

/** What a filled slot produced. */
export interface ServedAd {
  campaignIndex: number;
  impression: PendingRecord;
  click?: PendingRecord;
  clickAtMs?: number;
}

function roundCost(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function adEvent(
  ctx: SimulationContext,
  slot: AdSlot,
  base: Pick<AdEvent, 'type' | 'campaignId'>,
  atMs: number,
  cost: number,
): AdEvent {
  const event: AdEvent = {
    eventId: ctx.nextId(base.type === 'click' ? 'clk' : 'imp'),
    occurredAt: isoAt(atMs),
    type: base.type,
    campaignId: base.campaignId,
    placement: slot.placement,
    creativeId: `${base.campaignId}-cr-${1 + ctx.random.int(3)}`,
  };
  if (slot.customer !== undefined) event.customer = slot.customer;
  if (slot.deviceId !== undefined) event.deviceId = slot.deviceId;
  if (slot.ip !== undefined) event.ip = slot.ip;
  if (slot.userAgent !== undefined) event.userAgent = slot.userAgent;
  event.cost = cost;
  return event;
}

function invalidRecorder(
  ctx: SimulationContext,
  slot: AdSlot,
): ((record: PendingRecord) => void) | undefined {
  const { invalid, onEmitted } = slot;
  if (invalid === undefined) return onEmitted;
  return (record) => {
    ctx.truth.invalidAdEvents.push({ eventId: (record.value as AdEvent).eventId, ...invalid });
    onEmitted?.(record);
  };
}

/** What the ad server spent on one served line while the stock system runs (ground truth only). */
interface StockAccounting {
  onImpression: (event: AdEvent) => void;
  onClick: (event: AdEvent) => void;
}

/**
 * With a stock system, a slot for a known viewer serves one product of the campaign (its line item in the viewer's
 * region). An inventory-aware ad server leaves a paused line's slot unserved (returns null); otherwise the
 * impression is accounted as wasted when its product is out of stock in the viewer's region.
 */
function stockAccounting(
  ctx: SimulationContext,
  slot: AdSlot,
  campaignIndex: number,
): StockAccounting | null | 'paused' {
  const { stock, world, truth } = ctx;
  const campaign = world.campaigns[campaignIndex];
  if (stock === null || slot.shopper === null || campaign === undefined) return null;
  const campaignId = campaign.event.campaignId;
  const product = featuredProduct(campaign.products, campaignId, slot.atMs, slot.shopper.index);
  if (product === undefined) return null;
  const region = slot.shopper.region;
  const out = stock.outInRegion(product.sku, region, slot.atMs);
  const pauses = world.options.inventory?.adServerPauses ?? null;
  if (pauses !== null && pauses({ campaignId, sku: product.sku, region }, slot.atMs)) {
    if (out) truth.adStock.pausedWhileOut += 1;
    else truth.adStock.pausedWhileInStock += 1;
    return 'paused';
  }
  const wasted: WastedImpressionTruth | null = out
    ? { eventId: '', campaignId, sku: product.sku, region, at: isoAt(slot.atMs), cost: 0 }
    : null;
  const spend = (cost: number): void => {
    truth.adStock.spend += cost;
    if (wasted !== null) wasted.cost = Math.round((wasted.cost + cost) * 1e6) / 1e6;
  };
  return {
    onImpression: (event) => {
      truth.adStock.impressions += 1;
      spend(event.cost ?? 0);
      if (wasted === null) return;
      wasted.eventId = event.eventId;
      truth.adStock.wasted.push(wasted);
    },
    onClick: (event) => spend(event.cost ?? 0),
  };
}

function withAccounting(
  onEmit: ((record: PendingRecord) => void) | undefined,
  account: ((event: AdEvent) => void) | undefined,
): ((record: PendingRecord) => void) | undefined {
  if (account === undefined) return onEmit;
  return (record) => {
    account(record.value as AdEvent);
    onEmit?.(record);
  };
}

/** Fill an ad slot; null when the drawn campaign holds the viewer out. */
export function serveAd(ctx: SimulationContext, slot: AdSlot): ServedAd | null {
  const { random, world } = ctx;
  const campaignIndex = slot.campaignIndex ?? world.campaignPicker.pick(random);
  const campaign = world.campaigns[campaignIndex];
  if (campaign === undefined) return null;
  const campaignId = campaign.event.campaignId;
  if (slot.shopper !== null && isHeldOut(slot.shopper, campaignId, campaign.holdoutPercent)) return null;
  const bids = world.options.adServerBids;
  if (bids !== null) {
    const multiplier = bids({ campaignId, placement: slot.placement }, slot.atMs);
    if (!random.chance(Math.min(1, AD_SERVER_BASE_WIN_RATE * Math.max(0, multiplier)))) return null;
  }
  const accounting = stockAccounting(ctx, slot, campaignIndex);
  if (accounting === 'paused') return null;
  const onEmit = invalidRecorder(ctx, slot);
  const onImpressionEmit = withAccounting(onEmit, accounting?.onImpression);
  const onClickEmit = withAccounting(onEmit, accounting?.onClick);
  const impressionEvent = adEvent(
    ctx,
    slot,
    { type: 'impression', campaignId },
    slot.atMs,
    roundCost(campaign.impressionCost * (0.8 + random.float() * 0.4), 5),
  );
  const impression = ctx.publish(
    'retail.ad-events',
    impressionEvent.eventId,
    impressionEvent,
    slot.atMs,
    onImpressionEmit ? { onEmit: onImpressionEmit } : {},
  );
  const served: ServedAd = { campaignIndex, impression };
  const clickProbability = slot.clickProbability ?? CLICK_THROUGH_RATES[slot.placement];
  const exposures =
    slot.identifiable && slot.shopper !== null ? exposureSlots(ctx, slot.shopper.index) : null;
  if (exposures !== null) {
    exposures[campaignIndex] = {
      ...exposures[campaignIndex],
      view: {
        eventId: impressionEvent.eventId,
        atMs: slot.atMs,
        record: impression,
        rollsLeft: EXPOSURE_ROLLS,
      },
    };
  }
  if (clickProbability > 0 && random.chance(clickProbability)) {
    const clickAtMs = slot.atMs + (slot.clickDelayMs ?? 2_000 + random.int(38_000));
    const clickCost = roundCost(
      campaign.minClickCost + random.float() * (campaign.maxClickCost - campaign.minClickCost),
      2,
    );
    const clickEvent = adEvent(ctx, slot, { type: 'click', campaignId }, clickAtMs, clickCost);
    clickEvent.impressionId = impressionEvent.eventId;
    // Keep the click beside its impression: same key, same partition.
    served.click = ctx.publish(
      'retail.ad-events',
      impressionEvent.eventId,
      clickEvent,
      clickAtMs,
      onClickEmit ? { onEmit: onClickEmit } : {},
    );
    served.clickAtMs = clickAtMs;
    if (exposures !== null) {
      exposures[campaignIndex] = {
        ...exposures[campaignIndex],
        click: {
          eventId: clickEvent.eventId,
          atMs: clickAtMs,
          record: served.click,
          rollsLeft: EXPOSURE_ROLLS,
        },
      };
    }
  }
  return served;
}

function exposureSlots(
  ctx: SimulationContext,
  shopperIndex: number,
): NonNullable<ReturnType<SimulationContext['exposures']['get']>> {
  let slots = ctx.exposures.get(shopperIndex);
  if (slots === undefined) {
    slots = [];
    ctx.exposures.set(shopperIndex, slots);
  }
  return slots;
}
