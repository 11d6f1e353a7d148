/**
 * An online visit: searches, product views and add-to-carts on the web or the app, ads in the slots along
 * the way (clicks lead to the promoted product), and a checkout at the end.
 */
import type { Customer, InteractionEvent, Placement } from '../schema/events.ts';
import type { Product } from './catalogue.ts';
import { serveAd } from './ads.ts';
import type { SimulationContext } from './context.ts';
import { isoAt } from './context.ts';
import { checkout } from './purchases.ts';
import type { Device, Shopper } from './shoppers.ts';
import { emailAsTyped } from './shoppers.ts';
import { productsOf } from './world.ts';

/** Share of online visits that end in an organic order. */
export const ONLINE_CONVERSION = 0.3;

interface SessionState {
  ctx: SimulationContext;
  shopper: Shopper;
  device: Device;
  sessionId: string;
  customer: Customer | undefined;
  region: string;
  cart: Product[];
}

function interaction(
  state: SessionState,
  type: InteractionEvent['type'],
  atMs: number,
  fields: Partial<InteractionEvent>,
): void {
  const { ctx, device } = state;
  const event: InteractionEvent = {
    eventId: ctx.nextId('int'),
    occurredAt: isoAt(atMs),
    type,
    sessionId: state.sessionId,
  };
  if (state.customer !== undefined) event.customer = state.customer;
  event.deviceId = device.deviceId;
  if (fields.sku !== undefined) event.sku = fields.sku;
  if (fields.category !== undefined) event.category = fields.category;
  if (fields.query !== undefined) event.query = fields.query;
  event.ip = device.ip;
  event.userAgent = device.userAgent;
  event.region = state.region;
  ctx.publish('retail.interactions', state.sessionId, event, atMs);
}

function adSlot(state: SessionState, placement: Placement, atMs: number): void {
  const { ctx, shopper, device } = state;
  const served = serveAd(ctx, {
    placement,
    atMs,
    shopper,
    ...(state.customer === undefined ? {} : { customer: state.customer }),
    deviceId: device.deviceId,
    ip: device.ip,
    userAgent: device.userAgent,
    identifiable: state.customer !== undefined && shopper.loyaltyId !== undefined,
  });
  if (served?.clickAtMs === undefined) return;
  // The click lands on one of the campaign's products.
  const campaign = ctx.world.campaigns[served.campaignIndex];
  if (campaign === undefined || campaign.products.length === 0) return;
  const product = ctx.random.pick(campaign.products);
  interaction(state, 'product_view', served.clickAtMs + 1_500, {
    sku: product.sku,
    category: product.category,
  });
  if (ctx.random.chance(0.3)) {
    interaction(state, 'add_to_cart', served.clickAtMs + 20_000, {
      sku: product.sku,
      category: product.category,
    });
  }
}

/** Run one online visit starting at `atMs`. */
export function runOnlineSession(ctx: SimulationContext, shopper: Shopper, atMs: number): void {
  const { random, world } = ctx;
  const device = random.pick(shopper.devices);
  const member = shopper.loyaltyId !== undefined;
  let customer: Customer | undefined;
  if (member && device.kind === 'app') customer = { loyaltyId: shopper.loyaltyId as string };
  else if (member && random.chance(0.75)) customer = { email: emailAsTyped(random, shopper.email) };
  const state: SessionState = {
    ctx,
    shopper,
    device,
    sessionId: ctx.nextId('ses'),
    customer,
    region: shopper.region,
    cart: [],
  };
  const interest = world.categoryPicker.pick(random);
  let t = atMs;
  if (random.chance(0.4)) adSlot(state, device.kind === 'app' ? 'app' : 'home', t);
  const steps = random.between(2, 8);
  for (let step = 0; step < steps; step += 1) {
    t += 5_000 + random.int(85_000);
    const roll = random.float();
    if (roll < 0.25) {
      interaction(state, 'search', t, { query: random.pick(interest.searchTerms), category: interest.name });
      if (random.chance(0.5)) adSlot(state, 'search', t + 300);
    } else {
      const product = random.pick(productsOf(world, interest.name));
      interaction(state, 'product_view', t, { sku: product.sku, category: product.category });
      if (random.chance(0.3)) adSlot(state, 'product_page', t + 300);
      if (roll > 0.82) {
        interaction(state, 'add_to_cart', t + 8_000, { sku: product.sku, category: product.category });
        state.cart.push(product);
      }
    }
  }
  const checkoutAtMs = t + 60_000 + random.int(180_000);
  const organic = random.chance(ONLINE_CONVERSION);
  checkout(ctx, {
    shopper,
    channel: 'online',
    atMs: checkoutAtMs,
    organic,
    lines: organic ? state.cart.slice(0, 1 + random.int(3)) : [],
  });
}
