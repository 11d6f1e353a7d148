/**
 * Checkouts online and at the till: an organic basket, plus lines that recent ad exposures cause (the causal
 * effect attribution should measure), and now and then a later return.
 */
import type { Customer, LineItem, TransactionEvent } from '../schema/events.ts';
import type { Product, Store } from './catalogue.ts';
import type { CampaignExposure, Exposure, SimulationContext } from './context.ts';
import { isoAt, isoAtOffset } from './context.ts';
import type { PendingRecord } from './schedule.ts';
import type { Shopper } from './shoppers.ts';
import { emailAsTyped } from './shoppers.ts';
import type { CausedPurchaseTruth } from './truth.ts';
import { productsOf } from './world.ts';

/** Basket sizes are uniform in [1, MAX_BASKET_LINES]. */
export const MAX_BASKET_LINES = 5;
/** Share of purchases returned later. */
export const RETURN_SHARE = 0.025;

/** A checkout to run. */
export interface Checkout {
  shopper: Shopper;
  channel: 'online' | 'store';
  atMs: number;
  /** The store of a till purchase. */
  store?: Store;
  /** Draw an organic basket (otherwise only `lines` and caused lines). */
  organic: boolean;
  /** Products already chosen (cart contents, surge demand). */
  lines?: Product[];
  onEmit?: (record: PendingRecord) => void;
}

/** Draw an organic basket: each line's category by weight, then a product of it. */
export function drawBasket(ctx: SimulationContext, into: Product[]): void {
  const size = 1 + ctx.random.int(MAX_BASKET_LINES);
  while (into.length < size) {
    const category = ctx.world.categoryPicker.pick(ctx.random);
    into.push(ctx.random.pick(productsOf(ctx.world, category.name)));
  }
}

function customerAt(
  ctx: SimulationContext,
  shopper: Shopper,
  channel: 'online' | 'store',
): Customer | undefined {
  const { random } = ctx;
  if (shopper.loyaltyId === undefined)
    return channel === 'online' ? { email: emailAsTyped(random, shopper.email) } : undefined;
  if (channel === 'online') {
    const email = emailAsTyped(random, shopper.email);
    return random.chance(0.5) ? { email } : { loyaltyId: shopper.loyaltyId, email };
  }
  const roll = random.float();
  if (roll < 0.07 && shopper.phone !== undefined) return { phone: shopper.phone };
  if (roll < 0.12 && shopper.phone !== undefined)
    return { loyaltyId: shopper.loyaltyId, phone: shopper.phone };
  return { loyaltyId: shopper.loyaltyId };
}

interface CausedLine {
  product: Product;
  truth: Omit<
    CausedPurchaseTruth,
    'purchaseEventId' | 'orderId' | 'purchasedAt' | 'quantity' | 'unitPrice' | 'channel'
  >;
  exposure: PendingRecord;
}

/**
 * Whether an exposure sways this purchase decision: inside its lookback, with the campaign's uplift. Each
 * exposure gets {@link EXPOSURE_ROLLS} decisions at most and is forgotten once its lookback has passed.
 */
function sways(
  slot: CampaignExposure,
  type: 'click' | 'view',
  atMs: number,
  lookbackMs: number,
  uplift: number,
  ctx: SimulationContext,
): Exposure | null {
  const exposure = slot[type];
  if (exposure === undefined || exposure.atMs >= atMs) return null;
  if (atMs - exposure.atMs > lookbackMs) {
    delete slot[type];
    return null;
  }
  exposure.rollsLeft -= 1;
  if (exposure.rollsLeft <= 0) delete slot[type];
  return ctx.random.chance(uplift) ? exposure : null;
}

/** Roll each campaign's uplift against the shopper's exposures (a click beats a view). */
function causedLines(ctx: SimulationContext, shopper: Shopper, atMs: number): CausedLine[] {
  const slots = shopper.loyaltyId === undefined ? undefined : ctx.exposures.get(shopper.index);
  if (slots === undefined || shopper.loyaltyId === undefined) return [];
  const caused: CausedLine[] = [];
  slots.forEach((slot, campaignIndex) => {
    const campaign = ctx.world.campaigns[campaignIndex];
    if (campaign === undefined || campaign.products.length === 0) return;
    let cause: { exposure: Exposure; type: 'click' | 'impression' } | null = null;
    const click = sways(slot, 'click', atMs, campaign.clickLookbackMs, campaign.clickUplift, ctx);
    if (click !== null) cause = { exposure: click, type: 'click' };
    else {
      const view = sways(slot, 'view', atMs, campaign.viewLookbackMs, campaign.viewUplift, ctx);
      if (view !== null) cause = { exposure: view, type: 'impression' };
    }
    if (cause !== null) {
      // A caused purchase uses up the campaign's exposures.
      delete slot.click;
      delete slot.view;
    }
    if (cause === null) return;
    caused.push({
      product: ctx.random.pick(campaign.products),
      exposure: cause.exposure.record,
      truth: {
        loyaltyId: shopper.loyaltyId as string,
        campaignId: campaign.event.campaignId,
        sku: '',
        exposureEventId: cause.exposure.eventId,
        exposureType: cause.type,
        exposedAt: isoAt(cause.exposure.atMs),
        measurementConsent: shopper.consent.measurement,
      },
    });
  });
  return caused;
}

function quantity(ctx: SimulationContext): number {
  const roll = ctx.random.float();
  return roll < 0.8 ? 1 : roll < 0.95 ? 2 : 3;
}

/** Run a checkout; returns the transaction record, or null when the basket is empty. */
export function checkout(ctx: SimulationContext, input: Checkout): PendingRecord | null {
  const { shopper, channel, atMs, store } = input;
  const products = [...(input.lines ?? [])];
  if (input.organic) drawBasket(ctx, products);
  const caused = shopper.erased ? [] : causedLines(ctx, shopper, atMs);
  if (products.length === 0 && caused.length === 0) return null;
  const items: LineItem[] = [];
  const add = (product: Product, count: number): LineItem => {
    const existing = items.find((item) => item.sku === product.sku);
    if (existing !== undefined) {
      existing.quantity += count;
      return existing;
    }
    const item: LineItem = {
      sku: product.sku,
      category: product.category,
      brand: product.brand,
      quantity: count,
      unitPrice: product.unitPrice,
    };
    items.push(item);
    return item;
  };
  for (const product of products) add(product, quantity(ctx));
  const causedCounts = caused.map((line) => {
    const count = quantity(ctx);
    add(line.product, count);
    return count;
  });
  const region = store?.region ?? ctx.world.regions[shopper.regionIndex] ?? ctx.world.regions[0]!;
  const eventId = ctx.nextId('txn');
  const orderId = ctx.nextId('ord');
  const occurredAt =
    channel === 'store' ? isoAtOffset(atMs, region.offsetMinutes, region.utcOffset) : isoAt(atMs);
  const event: TransactionEvent = { eventId, occurredAt, channel, region: region.name, orderId, items };
  if (store !== undefined) event.storeId = store.storeId;
  const customer = customerAt(ctx, shopper, channel);
  if (customer !== undefined) event.customer = customer;
  if (ctx.random.chance(0.7)) event.currency = 'USD';
  const inner = input.onEmit;
  const record = ctx.publish('retail.transactions', orderId, event, atMs, {
    onEmit: (emitted) => {
      caused.forEach((line, index) => {
        ctx.truth.causedCandidates.push({
          exposure: line.exposure,
          truth: {
            ...line.truth,
            sku: line.product.sku,
            quantity: causedCounts[index] ?? 1,
            unitPrice: line.product.unitPrice,
            channel,
            purchaseEventId: eventId,
            orderId,
            purchasedAt: isoAt(atMs),
          },
        });
      });
      inner?.(emitted);
    },
  });
  if (ctx.random.chance(RETURN_SHARE))
    scheduleReturn(ctx, event, atMs + 1_800_000 + ctx.random.int(12 * 3_600_000));
  return record;
}

function scheduleReturn(ctx: SimulationContext, original: TransactionEvent, atMs: number): void {
  const line = ctx.random.pick(original.items);
  const region = ctx.world.regions.find((entry) => entry.name === original.region) ?? ctx.world.regions[0]!;
  const eventId = ctx.nextId('txn');
  const orderId = `${original.orderId}-r`;
  const event: TransactionEvent = {
    eventId,
    occurredAt:
      original.channel === 'store' ? isoAtOffset(atMs, region.offsetMinutes, region.utcOffset) : isoAt(atMs),
    channel: original.channel,
    region: original.region,
    orderId,
    items: [{ ...line, quantity: -line.quantity }],
  };
  if (original.storeId !== undefined) event.storeId = original.storeId;
  if (original.customer !== undefined) event.customer = original.customer;
  if (original.currency !== undefined) event.currency = original.currency;
  ctx.publish('retail.transactions', orderId, event, atMs, {
    onEmit: () => {
      ctx.truth.returns.push({
        eventId,
        orderId,
        originalOrderId: original.orderId,
        originalEventId: original.eventId,
      });
    },
  });
}
