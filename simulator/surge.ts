/**
 * Planted demand surges: for a while, members of one region buy one category `multiplier` times as often as
 * usual. The extra purchases are added on top of the ordinary traffic at (multiplier - 1) times the expected
 * baseline rate, so the surge window shows about `multiplier` times the baseline; or, when a surge gives
 * `extraPurchasesPerHour`, at that absolute rate.
 */
import { CATEGORIES } from './catalogue.ts';
import type { SimulationContext } from './context.ts';
import type { ResolvedSurge } from './options.ts';
import { ensureProfile } from './loyalty.ts';
import { ONLINE_CONVERSION } from './online-session.ts';
import { MAX_BASKET_LINES, checkout } from './purchases.ts';
import { STORE_CONVERSION } from './store-trip.ts';
import type { World } from './world.ts';
import { productsOf } from './world.ts';

/** Share of visits that are online sessions (the rest are store trips). */
export const ONLINE_VISIT_SHARE = 0.55;

/** Visits per simulated hour across all shoppers. */
export function visitsPerHour(world: World): number {
  return (world.options.shoppers * world.options.visitsPerShopperPerDay) / 24;
}

/** Expected purchases per hour containing `category` by shoppers of `region`, without a surge. */
export function expectedBuyersPerHour(world: World, category: string, region: string): number {
  const regionIndex = world.regions.findIndex((entry) => entry.name === region);
  const inRegion = world.shoppers.filter((shopper) => shopper.regionIndex === regionIndex).length;
  const lineShare = world.categoryPicker.probability(
    CATEGORIES.findIndex((entry) => entry.name === category),
  );
  let containsShare = 0;
  for (let lines = 1; lines <= MAX_BASKET_LINES; lines += 1) containsShare += 1 - (1 - lineShare) ** lines;
  containsShare /= MAX_BASKET_LINES;
  const purchaseShare = ONLINE_VISIT_SHARE * ONLINE_CONVERSION + (1 - ONLINE_VISIT_SHARE) * STORE_CONVERSION;
  return visitsPerHour(world) * (inRegion / world.shoppers.length) * purchaseShare * containsShare;
}

/** Extra purchases an hour a surge adds on top of the baseline. */
export function surgeExtraPerHour(world: World, surge: ResolvedSurge): number {
  return (
    surge.extraPurchasesPerHour ??
    (surge.multiplier - 1) * expectedBuyersPerHour(world, surge.category, surge.region)
  );
}

/** One extra purchase of surge `index` (of the world's surges) by a member of its region. */
export function surgePurchase(ctx: SimulationContext, index: number, atMs: number): void {
  const { random, world } = ctx;
  const surge = world.options.surges[index];
  if (surge === undefined) return;
  const regionIndex = world.regions.findIndex((entry) => entry.name === surge.region);
  const members = world.membersByRegion[regionIndex] ?? [];
  if (members.length === 0) return;
  const shopper = world.shoppers[random.pick(members)];
  if (shopper === undefined || shopper.erased) return;
  ensureProfile(ctx, shopper, atMs);
  const products = productsOf(world, surge.category);
  const lines = [random.pick(products)];
  if (random.chance(0.3)) lines.push(random.pick(products));
  const inStore = random.chance(0.65);
  const stores = world.stores.filter((store) => store.region.name === surge.region);
  checkout(ctx, {
    shopper,
    channel: inStore ? 'store' : 'online',
    atMs,
    ...(inStore ? { store: world.stores[shopper.homeStoreIndex] ?? random.pick(stores) } : {}),
    organic: random.chance(0.4),
    lines,
    onEmit: () => {
      ctx.truth.surgeExtraPurchases[index] = (ctx.truth.surgeExtraPurchases[index] ?? 0) + 1;
    },
  });
}
