/**
 * In-store journeys and sensors on `retail.instore` (its own random stream and ids, published on time, so turning
 * it on leaves every shopper's other behaviour as it was).
 *
 * A journey is a regular's trip to their home store with the store app: zone entries (the entrance, then the
 * zones of the products they habitually buy), a shelf interaction, and the till with those products (the ones on
 * the shelf that day). Regulars come back, so the offer engine has a purchase history to go on from their second
 * trip. Zone sensors count people entering each zone of every store on a schedule, with a daily pattern (busy
 * late afternoons, quiet nights), and shelf sensors report pick-ups.
 *
 * Ground truth per zone entry: the shopper, whether their consent allowed personalization when the app sent it,
 * the shelves of that store that were empty then, and the products they buy at the till — an offer for one of
 * those is one they would redeem.
 */
import type { InstoreEvent, TransactionEvent } from '../schema/events.ts';
import { STORE_ZONES, CATEGORIES } from './catalogue.ts';
import type { Product, Store } from './catalogue.ts';
import type { SimulationContext } from './context.ts';
import { isoAt } from './context.ts';
import type { ResolvedInstore } from './options.ts';
import type { Random } from './random.ts';
import { hashLabel } from './random.ts';
import type { Shopper } from './shoppers.ts';
import type { InstoreTruth, ZoneEntryTruth } from './truth.ts';

const MINUTE_MS = 60_000;

/** Categories regulars buy by habit (each shopper two products of them). */
const HABIT_CATEGORIES = ['cereal', 'plant_based_milk', 'plant_based_meat', 'soda', 'coffee', 'snacks'];

/** What the in-store system asks of the stock system: the shelves of a store empty at a time. */
export interface ShelfView {
  emptyShelves(storeId: string, atMs: number): string[];
}

/** The in-store system of a running simulation. */
export interface InstoreSystem {
  /** One regular's trip with the app, starting at `atMs` (a process of the simulation). */
  journey(atMs: number): void;
  /** Every zone sensor of every store reports its count for the window that closed just before `atMs`. */
  footTraffic(atMs: number): void;
  truth(): InstoreTruth;
}

/** Create the in-store system of a simulation (nothing is published until it is asked to). */
export function createInstoreSystem(
  ctx: SimulationContext,
  random: Random,
  options: ResolvedInstore,
  shelves: ShelfView | null,
): InstoreSystem {
  const { world } = ctx;
  const prefix = world.options.idPrefix;
  let counter = 0;
  const nextId = (tag: string): string => `${prefix}-${tag}-${(counter++).toString(36)}`;
  const regulars: Shopper[] = [];
  const zoneEntries: ZoneEntryTruth[] = [];
  let footTrafficRecords = 0;
  const surgeExtraEntries: number[] = [];
  let shelfInteractions = 0;
  const habitProducts = HABIT_CATEGORIES.flatMap((name) => world.catalogue.byCategory.get(name) ?? []);
  const zoneOf = new Map(CATEGORIES.map((category) => [category.name, category.zone]));

  const habitsOf = (shopper: Shopper): Product[] => {
    const first = habitProducts[hashLabel(`${shopper.loyaltyId}:habit:0`) % habitProducts.length];
    const second = habitProducts[hashLabel(`${shopper.loyaltyId}:habit:1`) % habitProducts.length];
    return [...new Set([first, second])].filter((product) => product !== undefined);
  };

  const hasApp = (shopper: Shopper): boolean =>
    shopper.loyaltyId !== undefined && shopper.devices.some((device) => device.kind === 'app');

  const pickRegular = (): Shopper | undefined => {
    const members = ctx.truth.publishedMembers;
    // Mostly new faces while the pool is small, then 70% of trips by returning regulars.
    const returning = Math.min(0.7, regulars.length / (regulars.length + 20));
    if (regulars.length > 0 && (regulars.length >= options.regulars || random.chance(returning)))
      return random.pick(regulars);
    if (members.length === 0) return undefined;
    const candidate = world.shoppers[random.pick(members)];
    if (candidate === undefined || !hasApp(candidate)) return undefined;
    if (!regulars.includes(candidate)) regulars.push(candidate);
    return candidate;
  };

  const publish = (store: Store, event: InstoreEvent, atMs: number, onEmit?: () => void): void => {
    // The app and the sensors send as things happen (no jitter drawn from the behaviour stream).
    ctx.publish('retail.instore', store.storeId, event, atMs, {
      onTime: true,
      ...(onEmit === undefined ? {} : { onEmit }),
    });
  };

  return {
    journey(atMs) {
      const shopper = pickRegular();
      if (shopper === undefined || shopper.erased || shopper.loyaltyId === undefined) return;
      const loyaltyId = shopper.loyaltyId;
      const app = shopper.devices.find((device) => device.kind === 'app');
      const store = world.stores[shopper.homeStoreIndex];
      if (app === undefined || store === undefined) return;
      const habits = habitsOf(shopper);
      const zones = [
        'entrance',
        ...new Set(habits.map((product) => zoneOf.get(product.category) ?? 'entrance')),
      ].filter((zone, index, all) => all.indexOf(zone) === index);
      let t = atMs;
      const entryTimes = zones.map((zone) => {
        const at = t;
        t += MINUTE_MS + random.int(2 * MINUTE_MS);
        return { zone, at };
      });
      const checkoutAt = t + 5 * MINUTE_MS + random.int(10 * MINUTE_MS);
      // The shopper buys what is on the shelf that day.
      const empty = new Set(shelves?.emptyShelves(store.storeId, checkoutAt) ?? []);
      const basket = habits.filter((product) => !empty.has(product.sku));
      for (const { zone, at } of entryTimes) {
        const eventId = nextId('zone');
        const event: InstoreEvent = {
          eventId,
          occurredAt: isoAt(at),
          kind: 'zone_entry',
          storeId: store.storeId,
          region: store.region.name,
          zone,
          customer: { loyaltyId },
          deviceId: app.deviceId,
          ...(random.chance(options.screenShare) ? { screenId: `screen-${store.storeId}-${zone}` } : {}),
        };
        publish(store, event, at, () =>
          zoneEntries.push({
            entryId: eventId,
            loyaltyId,
            storeId: store.storeId,
            region: store.region.name,
            zone,
            at: event.occurredAt,
            // As the app sends it: consent changes published before it are already in force.
            personalization: !shopper.erased && shopper.consent.personalization,
            outOfStock: shelves?.emptyShelves(store.storeId, at) ?? [],
            basket: basket.map((product) => product.sku),
          }),
        );
      }
      const picked = basket[0];
      if (picked !== undefined) {
        const at = checkoutAt - 2 * MINUTE_MS;
        publish(
          store,
          {
            eventId: nextId('shelf'),
            occurredAt: isoAt(at),
            kind: 'shelf_interaction',
            storeId: store.storeId,
            region: store.region.name,
            zone: zoneOf.get(picked.category) ?? 'entrance',
            sku: picked.sku,
            action: 'pick_up',
          },
          at,
          () => (shelfInteractions += 1),
        );
      }
      if (basket.length === 0 || shopper.erased) return;
      const orderId = nextId('ins-ord');
      const sale: TransactionEvent = {
        eventId: nextId('ins-txn'),
        occurredAt: isoAt(checkoutAt),
        channel: 'store',
        storeId: store.storeId,
        region: store.region.name,
        orderId,
        customer: { loyaltyId },
        items: basket.map((product) => ({
          sku: product.sku,
          category: product.category,
          brand: product.brand,
          quantity: 1 + random.int(2),
          unitPrice: product.unitPrice,
        })),
        currency: 'USD',
      };
      ctx.publish('retail.transactions', orderId, sale, checkoutAt, { onTime: true });
    },
    footTraffic(atMs) {
      const windowSeconds = options.footTrafficEveryMinutes * 60;
      for (const store of world.stores) {
        const localHour = new Date(atMs + store.region.offsetMinutes * MINUTE_MS).getUTCHours();
        const surgeIndex = options.footTrafficSurges.findIndex(
          (surge) => surge.region === store.region.name && atMs >= surge.startMs && atMs < surge.endMs,
        );
        const surge = options.footTrafficSurges[surgeIndex];
        for (const zone of STORE_ZONES) {
          const base = zone === 'entrance' || zone === 'checkout' ? 30 : 12;
          const expected = base * busyness(localHour) * (options.footTrafficEveryMinutes / 15);
          // The same draw with or without a surge, so a surge adds to the counts the day would have had.
          const usual = Math.max(0, Math.round(expected * (0.75 + 0.5 * random.float())));
          const count = surge === undefined ? usual : Math.round(usual * surge.multiplier);
          publish(
            store,
            {
              eventId: nextId('foot'),
              occurredAt: isoAt(atMs),
              kind: 'foot_traffic',
              storeId: store.storeId,
              region: store.region.name,
              zone,
              windowSeconds,
              count,
            },
            atMs,
            () => {
              footTrafficRecords += 1;
              if (surge !== undefined)
                surgeExtraEntries[surgeIndex] = (surgeExtraEntries[surgeIndex] ?? 0) + count - usual;
            },
          );
        }
      }
    },
    truth: () => ({
      zoneEntries: [...zoneEntries],
      footTrafficRecords,
      // A surge is in the truth once a report carrying it was emitted.
      footTrafficSurges: options.footTrafficSurges.flatMap((surge, index) => {
        const extraEntries = surgeExtraEntries[index];
        return extraEntries === undefined
          ? []
          : [
              {
                region: surge.region,
                startsAt: isoAt(surge.startMs),
                endsAt: isoAt(surge.endMs),
                multiplier: surge.multiplier,
                extraEntries,
              },
            ];
      }),
      shelfInteractions,
      regulars: regulars.length,
    }),
  };
}

/** How busy a store is at a local hour, relative to an average hour (quiet at night, peak after work). */
export function busyness(localHour: number): number {
  if (localHour < 7 || localHour >= 22) return 0.1;
  if (localHour >= 16 && localHour < 19) return 1.8;
  if (localHour >= 11 && localHour < 14) return 1.3;
  return 1;
}
