/**
 * The stock system: an opening count of every product in every store, then planted stock-outs and restocks on
 * `retail.inventory` (its own random stream, so turning it on leaves every shopper's behaviour as it was).
 *
 * Two kinds of stock-out are planted. A regional one (a supply problem) empties one campaign product's shelves in
 * every store of a region, store after store over a few minutes, for 1.5 to 4 hours. A single-store one empties
 * one shelf of any product for 30 minutes to 3 hours: shoppers find the product in the next store, so it must
 * not pause anything. The ground truth keeps every planted interval and, for each ad impression, whether its
 * product was out of stock in the viewer's region: fewer than half of the region's stores holding it (the
 * inventory stage's default rule, computed here from the planted intervals, not from the stream).
 */
import type { InventoryEvent } from '../schema/events.ts';
import type { Product, Store } from './catalogue.ts';
import type { SimulationContext, StockView } from './context.ts';
import { isoAt } from './context.ts';
import type { ResolvedInventory } from './options.ts';
import type { Random } from './random.ts';
import { hashLabel } from './random.ts';
import type { StockOutTruth } from './truth.ts';

const MINUTE_MS = 60_000;

/** The stock system of a running simulation. */
export interface StockSystem extends StockView {
  /** Publish the opening count of every product in every store. */
  openingCounts(atMs: number): void;
  /** Plant the next stock-out (a process of the simulation); `regional` forces its kind instead of drawing it. */
  plantStockOut(atMs: number, regional?: boolean): void;
  /** Every planted stock-out so far. */
  readonly stockOuts: StockOutTruth[];
  /** Skus whose shelf in `storeId` is empty at `atMs` (planted so far). */
  emptyShelves(storeId: string, atMs: number): string[];
}

/** Create the stock system of a simulation (nothing is published until it is asked to). */
export function createStockSystem(
  ctx: SimulationContext,
  random: Random,
  options: ResolvedInventory,
): StockSystem {
  const { world } = ctx;
  const prefix = world.options.idPrefix;
  let counter = 0;
  const outIntervals = new Map<string, Array<[number, number]>>();
  const stockOuts: StockOutTruth[] = [];
  const promoted = [
    ...new Map(world.campaigns.flatMap((campaign) => campaign.products).map((p) => [p.sku, p])).values(),
  ];
  const storesOf = (region: string): Store[] => world.stores.filter((store) => store.region.name === region);

  const publish = (store: Store, product: Product, onHand: number, onOrder: number, atMs: number): void => {
    const event: InventoryEvent = {
      eventId: `${prefix}-inv-${(counter++).toString(36)}`,
      occurredAt: isoAt(atMs),
      storeId: store.storeId,
      region: store.region.name,
      sku: product.sku,
      category: product.category,
      brand: product.brand,
      onHand,
      onOrder,
    };
    // The stock system stamps and sends its counts on time (no shopper jitter drawn from the behaviour stream).
    ctx.publish('retail.inventory', `${store.storeId}|${product.sku}`, event, atMs, { onTime: true });
  };

  const isOut = (store: Store, sku: string, atMs: number): boolean =>
    (outIntervals.get(`${store.storeId}|${sku}`) ?? []).some(([from, to]) => atMs >= from && atMs < to);

  const empty = (store: Store, product: Product, fromMs: number, toMs: number): void => {
    const key = `${store.storeId}|${product.sku}`;
    const intervals = outIntervals.get(key) ?? [];
    intervals.push([fromMs, toMs]);
    outIntervals.set(key, intervals);
    publish(store, product, 0, 24 + random.int(48), fromMs);
    publish(store, product, 12 + random.int(60), 0, toMs);
  };

  return {
    stockOuts,
    openingCounts(atMs) {
      for (const store of world.stores)
        for (const product of world.catalogue.products) publish(store, product, 10 + random.int(80), 0, atMs);
    },
    plantStockOut(atMs, forced) {
      const regional = forced ?? random.chance(options.regionalShare);
      const product = regional ? random.pick(promoted) : random.pick(world.catalogue.products);
      const region = random.pick(world.regions).name;
      const stores = regional ? storesOf(region) : [random.pick(storesOf(region))];
      const durationMs = regional ? (90 + random.int(150)) * MINUTE_MS : (30 + random.int(150)) * MINUTE_MS;
      // Shelves already empty stay as planted: a new stock-out never overlaps one of the same store and product.
      const busy = stores.some((store) =>
        (outIntervals.get(`${store.storeId}|${product.sku}`) ?? []).some(
          ([from, to]) => to > atMs && from < atMs + durationMs + 60 * MINUTE_MS,
        ),
      );
      if (busy) return;
      let endsAtMs = atMs;
      for (const [index, store] of stores.entries()) {
        const fromMs = atMs + (index === 0 ? 0 : random.int(20 * MINUTE_MS));
        const toMs = atMs + durationMs + random.int(30 * MINUTE_MS);
        endsAtMs = Math.max(endsAtMs, toMs);
        empty(store, product, fromMs, toMs);
      }
      stockOuts.push({
        kind: regional ? 'regional' : 'single_store',
        sku: product.sku,
        region,
        storeIds: stores.map((store) => store.storeId),
        startsAt: isoAt(atMs),
        endsAt: isoAt(endsAtMs),
      });
    },
    emptyShelves(storeId, atMs) {
      const empty: string[] = [];
      for (const [key, intervals] of outIntervals) {
        if (!key.startsWith(`${storeId}|`)) continue;
        if (intervals.some(([from, to]) => atMs >= from && atMs < to))
          empty.push(key.slice(storeId.length + 1));
      }
      return empty.sort();
    },
    outInRegion(sku, region, atMs) {
      const stores = storesOf(region);
      const holding = stores.filter((store) => !isOut(store, sku, atMs)).length;
      return holding / stores.length < 0.5;
    },
  };
}

/** The product an impression of a campaign features: one of its products, fixed by campaign, time and viewer. */
export function featuredProduct(
  products: readonly Product[],
  campaignId: string,
  atMs: number,
  viewer: number,
): Product | undefined {
  if (products.length === 0) return undefined;
  return products[hashLabel(`${campaignId}:${atMs}:${viewer}`) % products.length];
}
