/**
 * The offer engine: when a consenting shopper enters a store zone, make at most one brand-funded offer — one the
 * shopper is eligible for by segment, for a product in stock in that store, within the offer's caps and the
 * shopper's daily cap — for the store app or the zone's screen (`cleanroom.offers`), and count a purchase of the
 * offered product within the offer's window as its redemption.
 *
 * Inputs (merged layout: one task over every partition, as inventory does): `cleanroom.consent`,
 * `cleanroom.inventory` (a store's count of a product, keyed by sku), `cleanroom.segment-changes`,
 * `cleanroom.events` (purchases) and `cleanroom.instore` (keyed by subject). Counts are keyed by product and the
 * rest by shopper, so no co-partitioned task could hold both a store's shelf and the shopper who walks in;
 * repartitioning every count to every partition would copy each four times for no gain at one chain's scale.
 *
 * Stock per store is the inventory stage's rule (`storeInStock`) applied to the counts ingest validated, not the
 * inventory stage's `cleanroom.stock`: counts, purchases and zone entries then all come from ingest, in ingest's
 * one order, and the merge (log time, then topic rank) applies a count before a zone entry that followed it. A
 * shelf emptied a moment before a shopper walks in is therefore never offered, on live input as on a replay,
 * where reading the inventory stage's output would race that stage.
 *
 *
 * Privacy: an offer names no shopper; it answers the app's own zone entry (`entryId`) or shows on the zone's
 * screen. Purchase history is kept only for shoppers whose consent allows personalization, and is dropped when
 * it is withdrawn; an erasure drops everything of the shopper. Brands only ever see `cleanroom.offer-stats`
 * through the gateway's release step.
 *
 * State keys: `shopper:<subjectId>` (`seg:`, `bought:`, `boughtCat:`, `day:`, `got:`, `open:`, `open-count`,
 * `cell:`, `cells:`), `store:<storeId>` (per sku: in stock, and the time of the count), `product:<sku>` (category),
 * `daily` (offers made per offer and day), `stats:<brand>` (report cells).
 */
import {
  consentChangeSchema,
  instoreCleanSchema,
  inventoryLevelSchema,
  purchaseEventSchema,
  segmentChangeSchema,
} from '../../schema/topics.ts';
import type {
  ConsentChange,
  InstoreCleanEvent,
  InventoryLevel,
  OfferMade,
  OfferRedeemed,
  PurchaseEvent,
  SegmentChange,
  ZoneEntry,
} from '../../schema/topics.ts';
import { storeInStock } from '../inventory/index.ts';
import { byKind, stageTopics } from '../runtime/index.ts';
import type { KeyedState, LogRecord, Processor, ProcessorContext, RecordContext } from '../runtime/index.ts';
import { countOffer, withdrawFromOfferStats } from './offer-stats.ts';
import type { OfferStatBounds } from './offer-stats.ts';
import { dayOf, eligibility, pickOffer } from './offer-rules.ts';
import type { OfferCandidate, OfferDefinition } from './offer-rules.ts';

/** Default most offers one shopper gets in one day (UTC), over every brand. */
export const DEFAULT_MAX_OFFERS_PER_SHOPPER_PER_DAY = 2;
/** Default most day-and-region cells of one brand's report a shopper counts in. */
export const DEFAULT_CELLS_PER_BRAND = 4;

/** Options of {@link createOfferProcessor}. */
export interface OfferProcessorOptions {
  /** The offers the contracts declare (a contract change reaches the stage at its next start). */
  offers: readonly OfferDefinition[];
  /** Most offers one shopper gets in one day, over every brand (default 2). */
  maxOffersPerShopperPerDay?: number;
  /** Most report cells of one brand a shopper counts in (default 4). */
  cellsPerBrand?: number;
  /** Topic names (default `cleanroom.*`; a prefix for tests). */
  topics?: Partial<OfferTopics>;
}

/** The topics of the stage. */
export interface OfferTopics {
  consent: string;
  inventory: string;
  segmentChanges: string;
  events: string;
  instore: string;
  offers: string;
  offerStats: string;
}

/** The stage's topics: those given, `cleanroom.*` for the rest. */
export function offerTopics(given: Partial<OfferTopics> = {}): OfferTopics {
  return stageTopics(
    ['consent', 'inventory', 'segmentChanges', 'events', 'instore', 'offers', 'offerStats'],
    given,
  );
}

/** An input of the stage. */
export type OfferInput =
  | { kind: 'consent'; change: ConsentChange }
  | { kind: 'level'; level: InventoryLevel }
  | { kind: 'segment'; change: SegmentChange }
  | { kind: 'purchase'; purchase: PurchaseEvent }
  | { kind: 'instore'; record: InstoreCleanEvent }
  | { kind: 'other'; eventId: string };

/** An offer made and not yet redeemed nor expired. */
interface OpenOffer {
  offerId: string;
  offerCode: string;
  brand: string;
  sku: string;
  storeId: string;
  region: string;
  day: string;
  madeAt: string;
  expiresAt: string;
}

/** A store's shelf of one product: the latest count's verdict and time. */
interface ShelfRow {
  inStock: boolean;
  atMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Create the offer engine (run it with `createProcessorHost({ layout: 'merged', ... })`). */
export function createOfferProcessor(options: OfferProcessorOptions): Processor<OfferInput> {
  const topics = offerTopics(options.topics);
  const maxPerShopperPerDay = options.maxOffersPerShopperPerDay ?? DEFAULT_MAX_OFFERS_PER_SHOPPER_PER_DAY;
  const bounds: OfferStatBounds = {
    cellsPerBrand: options.cellsPerBrand ?? DEFAULT_CELLS_PER_BRAND,
    offersPerShopperPerDay: maxPerShopperPerDay,
  };
  const offers = [...options.offers];

  const shopperOf = (ctx: ProcessorContext, subjectId: string): KeyedState =>
    ctx.stateOf.forKey(`shopper:${subjectId}`);

  /** Drop the day counters of days before yesterday (an entry a little out of order still meets its day's). */
  const pruneDays = (shopper: KeyedState, day: string): void => {
    const cutoff = new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
    for (const name of [...shopper.names('day:'), ...shopper.names('got:')]) {
      if (name.slice(name.lastIndexOf('|') + 1) < cutoff) shopper.delete(name);
    }
  };

  const onZoneEntry = (entry: ZoneEntry, ctx: ProcessorContext): void => {
    if (entry.subjectId === null || !entry.consent.personalization) {
      ctx.count('entry-without-consent');
      return;
    }
    const shopper = shopperOf(ctx, entry.subjectId);
    const day = dayOf(entry.occurredAt);
    pruneDays(shopper, day);
    const madeToShopper = shopper.get<number>(`day:|${day}`) ?? 0;
    if (madeToShopper >= maxPerShopperPerDay) {
      ctx.count('refused:shopper-daily-cap');
      return;
    }
    const store = ctx.stateOf.forKey(`store:${entry.storeId}`);
    const daily = ctx.stateOf.forKey('daily');
    const eligible: OfferCandidate[] = [];
    for (const offer of offers) {
      const offerKey = `${offer.brand}|${offer.offerCode}`;
      const category = ctx.stateOf.forKey(`product:${offer.sku}`).get<string>('category');
      const candidate: OfferCandidate = {
        offer,
        inStock: store.get<ShelfRow>(offer.sku)?.inStock === true,
        inSegment:
          offer.segments.length === 0 ||
          offer.segments.some((segmentId) => shopper.get<number>(`seg:${segmentId}`) !== undefined),
        madeToShopperToday: shopper.get<number>(`got:${offerKey}|${day}`) ?? 0,
        madeToday: daily.get<number>(`${offerKey}|${day}`) ?? 0,
        boughtProduct: shopper.get<number>(`bought:${offer.sku}`) ?? 0,
        boughtCategory: category === undefined ? 0 : (shopper.get<number>(`boughtCat:${category}`) ?? 0),
      };
      const refusal = eligibility(candidate, entry.zone);
      if (refusal === null) eligible.push(candidate);
      else ctx.count(`refused:${refusal}`);
    }
    const chosen = pickOffer(eligible);
    if (chosen === null) {
      ctx.count('no-offer');
      return;
    }
    const { offer } = chosen;
    const offerKey = `${offer.brand}|${offer.offerCode}`;
    const made: OfferMade = {
      kind: 'offer',
      offerId: `offer:${entry.eventId}`,
      entryId: entry.entryId,
      ...(entry.screenId === undefined ? {} : { screenId: entry.screenId }),
      offerCode: offer.offerCode,
      brand: offer.brand,
      sku: offer.sku,
      discountPercent: offer.discountPercent,
      storeId: entry.storeId,
      region: entry.region,
      zone: entry.zone,
      madeAt: entry.occurredAt,
      expiresAt: new Date(Date.parse(entry.occurredAt) + offer.validHours * HOUR_MS).toISOString(),
    };
    shopper.put(`day:|${day}`, madeToShopper + 1);
    shopper.put(`got:${offerKey}|${day}`, chosen.madeToShopperToday + 1);
    daily.put(`${offerKey}|${day}`, chosen.madeToday + 1);
    const open: OpenOffer = {
      offerId: made.offerId,
      offerCode: made.offerCode,
      brand: made.brand,
      sku: made.sku,
      storeId: made.storeId,
      region: made.region,
      day,
      madeAt: made.madeAt,
      expiresAt: made.expiresAt,
    };
    shopper.put(`open:${made.offerId}`, open);
    shopper.put('open-count', (shopper.get<number>('open-count') ?? 0) + 1);
    ctx.count('offer');
    ctx.emit({ topic: topics.offers, key: entry.storeId, value: made, outputId: made.offerId });
    countOffer(
      ctx,
      shopper,
      { brand: offer.brand, day, region: entry.region },
      'made',
      bounds,
      topics.offerStats,
      entry.consent.measurement,
    );
  };

  const offeredSkus = new Set(offers.map((offer) => offer.sku));

  const onPurchase = (purchase: PurchaseEvent, ctx: ProcessorContext): void => {
    if (purchase.subjectId === null) return;
    const shopper = shopperOf(ctx, purchase.subjectId);
    const at = Date.parse(purchase.occurredAt);
    // Most shoppers hold no open offer: one row read instead of a range scan per purchase.
    const openCount = shopper.get<number>('open-count') ?? 0;
    for (const name of openCount > 0 ? shopper.names('open:') : []) {
      const open = shopper.get<OpenOffer>(name);
      if (open === undefined) continue;
      if (at > Date.parse(open.expiresAt)) {
        shopper.delete(name);
        shopper.put('open-count', Math.max(0, (shopper.get<number>('open-count') ?? 1) - 1));
        ctx.count('expired');
        continue;
      }
      if (at < Date.parse(open.madeAt)) continue;
      if (!purchase.items.some((item) => item.sku === open.sku && item.quantity > 0)) continue;
      shopper.delete(name);
      shopper.put('open-count', Math.max(0, (shopper.get<number>('open-count') ?? 1) - 1));
      const redeemed: OfferRedeemed = {
        kind: 'redemption',
        redemptionId: `redeem:${open.offerId}`,
        offerId: open.offerId,
        offerCode: open.offerCode,
        brand: open.brand,
        sku: open.sku,
        storeId: open.storeId,
        region: open.region,
        redeemedAt: purchase.occurredAt,
        purchaseEventId: purchase.eventId,
      };
      ctx.count('redemption');
      ctx.emit({ topic: topics.offers, key: open.storeId, value: redeemed, outputId: redeemed.redemptionId });
      countOffer(
        ctx,
        shopper,
        { brand: open.brand, day: open.day, region: open.region },
        'redeemed',
        bounds,
        topics.offerStats,
        purchase.consent.measurement,
      );
    }
    // What a shopper buys shapes their offers only while their consent allows personalization; and only the
    // offered products and their categories are kept (nothing else is ever asked).
    if (!purchase.consent.personalization) return;
    const offeredCategories = new Set(
      [...offeredSkus].map((sku) => ctx.stateOf.forKey(`product:${sku}`).get<string>('category')),
    );
    for (const item of purchase.items) {
      if (item.quantity <= 0) continue;
      if (!offeredSkus.has(item.sku) && !offeredCategories.has(item.category)) continue;
      shopper.put(`bought:${item.sku}`, (shopper.get<number>(`bought:${item.sku}`) ?? 0) + item.quantity);
      const category = `boughtCat:${item.category}`;
      shopper.put(category, (shopper.get<number>(category) ?? 0) + item.quantity);
    }
  };

  const onConsent = (change: ConsentChange, ctx: ProcessorContext): void => {
    const shopper = shopperOf(ctx, change.subjectId);
    // Erased or no longer measurable: out of every bounded report sum (the exact figures are the host's).
    if (change.erased || !change.consent.measurement)
      withdrawFromOfferStats(ctx, shopper, bounds, topics.offerStats);
    if (change.erased) {
      shopper.clear();
      ctx.count('erased');
      return;
    }
    if (change.consent.personalization) return;
    // Withdrawn: forget what personalizes offers and the offers still open (a later purchase redeems nothing).
    for (const prefix of ['bought:', 'boughtCat:', 'open:']) shopper.deletePrefix(prefix);
    shopper.delete('open-count');
    ctx.count('personalization-withdrawn');
  };

  const onLevel = (level: InventoryLevel, ctx: ProcessorContext): void => {
    const product = ctx.stateOf.forKey(`product:${level.sku}`);
    if (product.get<string>('category') === undefined) product.put('category', level.category);
    const store = ctx.stateOf.forKey(`store:${level.storeId}`);
    const atMs = Date.parse(level.occurredAt);
    // The latest count by its own time wins, as in the inventory stage.
    const previous = store.get<ShelfRow>(level.sku);
    if (previous !== undefined && previous.atMs > atMs) return;
    store.put(level.sku, { inStock: storeInStock(level.onHand), atMs } satisfies ShelfRow);
  };

  const onSegment = (change: SegmentChange, ctx: ProcessorContext): void => {
    const shopper = shopperOf(ctx, change.subjectId);
    if (change.action === 'entered') shopper.put(`seg:${change.segmentId}`, 1);
    else shopper.delete(`seg:${change.segmentId}`);
  };

  return {
    parse(record): OfferInput {
      const value: unknown = JSON.parse(record.value);
      switch (record.topic) {
        case topics.consent:
          return { kind: 'consent', change: consentChangeSchema.parse(value) };
        case topics.inventory:
          return { kind: 'level', level: inventoryLevelSchema.parse(value) };
        case topics.segmentChanges:
          return { kind: 'segment', change: segmentChangeSchema.parse(value) };
        case topics.instore:
          return { kind: 'instore', record: instoreCleanSchema.parse(value) };
        default: {
          // Only purchases matter here: skip validating the (many) other events in full.
          const type = (value as { type?: unknown } | null)?.type;
          if (type !== 'purchase') return { kind: 'other', eventId: `${record.topic}:${record.offset}` };
          return { kind: 'purchase', purchase: purchaseEventSchema.parse(value) };
        }
      }
    },
    // Outside event time: every rule compares the records' own timestamps, in the merge's log-time order.
    eventTime: () => null,
    eventId: byKind<OfferInput, [LogRecord], string>({
      consent: (input) => input.change.changeId,
      level: (input) => input.level.eventId,
      segment: (input) => input.change.changeId,
      purchase: (input) => input.purchase.eventId,
      instore: (input) => input.record.eventId,
      other: (_, record) => `${record.topic}:${record.partition}:${record.offset}`,
    }),
    onRecord: byKind<OfferInput, [RecordContext], void>({
      consent: (input, ctx) => onConsent(input.change, ctx),
      level: (input, ctx) => onLevel(input.level, ctx),
      segment: (input, ctx) => onSegment(input.change, ctx),
      purchase: (input, ctx) => onPurchase(input.purchase, ctx),
      instore: ({ record }, ctx) => {
        if (record.kind === 'zone_entry') onZoneEntry(record, ctx);
        else ctx.count(record.kind);
      },
      // Other events: nothing of them matters here.
      other: () => undefined,
    }),
  };
}
