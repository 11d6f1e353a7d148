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
import type { InvalidEventTruth } from './truth.ts';

/** Click-through rate of each placement for real shoppers. */
export const CLICK_THROUGH_RATES: Record<Placement, number> = {
  search: 0.06,
  product_page: 0.03,
  home: 0.015,
  app: 0.025,
  in_store_screen: 0,
};

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

/** Fill an ad slot; null when the drawn campaign holds the viewer out. */
export function serveAd(ctx: SimulationContext, slot: AdSlot): ServedAd | null {
  const { random, world } = ctx;
  const campaignIndex = slot.campaignIndex ?? world.campaignPicker.pick(random);
  const campaign = world.campaigns[campaignIndex];
  if (campaign === undefined) return null;
  const campaignId = campaign.event.campaignId;
  if (slot.shopper !== null && isHeldOut(slot.shopper, campaignId, campaign.holdoutPercent)) return null;
  const onEmit = invalidRecorder(ctx, slot);
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
    onEmit ? { onEmit } : {},
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
      onEmit ? { onEmit } : {},
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
