/**
 * A store trip: beacons see the shopper's app in a few zones, an in-store screen may show an ad, and the
 * till records the basket (with the loyalty card scanned, or a phone number typed, for members).
 */
import type { StoreVisitEvent } from '../schema/events.ts';
import { STORE_ZONES } from './catalogue.ts';
import type { Store } from './catalogue.ts';
import { serveAd } from './ads.ts';
import type { SimulationContext } from './context.ts';
import { isoAt } from './context.ts';
import { checkout } from './purchases.ts';
import type { Shopper } from './shoppers.ts';

/** Share of store trips that end at the till. */
export const STORE_CONVERSION = 0.92;

function pickStore(ctx: SimulationContext, shopper: Shopper): Store {
  const { random, world } = ctx;
  const home = world.stores[shopper.homeStoreIndex];
  if (home !== undefined && random.chance(0.85)) return home;
  const regional = world.stores.filter((store) => store.region.name === shopper.region);
  return random.pick(regional.length > 0 ? regional : world.stores);
}

/** Run one store trip starting at `atMs`. */
export function runStoreTrip(ctx: SimulationContext, shopper: Shopper, atMs: number): void {
  const { random } = ctx;
  const store = pickStore(ctx, shopper);
  const app = shopper.devices.find((device) => device.kind === 'app');
  let t = atMs;
  if (app !== undefined) {
    const zones = random.between(1, 3);
    for (let n = 0; n < zones; n += 1) {
      const event: StoreVisitEvent = {
        eventId: ctx.nextId('vis'),
        occurredAt: isoAt(t),
        storeId: store.storeId,
        zone: n === 0 ? 'entrance' : random.pick(STORE_ZONES),
        region: store.region.name,
      };
      if (shopper.loyaltyId !== undefined) event.customer = { loyaltyId: shopper.loyaltyId };
      event.deviceId = app.deviceId;
      ctx.publish('retail.store-visits', store.storeId, event, t);
      t += 60_000 + random.int(240_000);
    }
  }
  if (random.chance(0.3)) {
    // Screens see a phone's beacon at best; such exposures cannot be tied to a shopper.
    serveAd(ctx, {
      placement: 'in_store_screen',
      atMs: t,
      shopper,
      ...(app === undefined ? {} : { deviceId: app.deviceId }),
      identifiable: false,
    });
  }
  checkout(ctx, {
    shopper,
    channel: 'store',
    atMs: t + 300_000 + random.int(1_200_000),
    store,
    organic: random.chance(STORE_CONVERSION),
  });
}
