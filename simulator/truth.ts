/**
 * The ground truth of a simulation: what was planted, limited to events that were actually emitted.
 */
import type { Consent, RawTopic } from '../schema/events.ts';

/** Why an event is invalid traffic. */
export type InvalidReason = 'click_farm' | 'bot_user_agent' | 'data_centre_ip';

/** How a malformed record is broken. */
export type MalformedKind =
  'wrong_type' | 'missing_field' | 'unknown_field' | 'bad_enum' | 'not_json' | 'truncated' | 'huge';

/** A planted invalid event. */
export interface InvalidEventTruth {
  eventId: string;
  reasons: InvalidReason[];
  /** Which planted source sent it (`click-farm-1`, `bot-crawler`, `dc-scraper`). */
  source: string;
}

/** A purchase line an ad exposure caused (the shopper would not have bought it otherwise). */
export interface CausedPurchaseTruth {
  purchaseEventId: string;
  orderId: string;
  loyaltyId: string;
  campaignId: string;
  sku: string;
  quantity: number;
  unitPrice: number;
  channel: 'online' | 'store';
  purchasedAt: string;
  exposureEventId: string;
  exposureType: 'click' | 'impression';
  exposedAt: string;
  /** The shopper's measurement consent when buying (attribution must leave them out when false). */
  measurementConsent: boolean;
}

/** A consent change or erasure published on `retail.loyalty`. */
export interface ConsentChangeTruth {
  eventId: string;
  loyaltyId: string;
  at: string;
  consent: Consent;
  kind: 'opt_out' | 'opt_in' | 'erasure' | 'initial_opt_out';
}

/** A return of an earlier purchase. */
export interface ReturnTruth {
  eventId: string;
  orderId: string;
  originalOrderId: string;
  originalEventId: string;
}

/** An event delivered long after it occurred. */
export interface LateEventTruth {
  topic: RawTopic;
  eventId: string;
  occurredAt: string;
  delayMinutes: number;
}

/** A malformed record and its position in the stream (0-based). */
export interface MalformedTruth {
  index: number;
  topic: RawTopic;
  kind: MalformedKind;
  /** The id it carries, when it has a readable one. */
  eventId?: string;
}

/** A click farm: one /24 and a handful of devices clicking in bursts, never buying. */
export interface ClickFarmTruth {
  farmId: string;
  cidr: string;
  deviceIds: string[];
  campaignId: string;
  bursts: Array<{ startedAt: string; events: number }>;
}

/** A planted demand surge. */
export interface SurgeTruth {
  category: string;
  region: string;
  startsAt: string;
  endsAt: string;
  /** Purchases during the surge as a multiple of the baseline (estimated when the surge was given in purchases). */
  multiplier: number;
  /** Expected distinct buyers per hour of the category in the region without the surge. */
  expectedBaselineBuyersPerHour: number;
  /** Extra purchases the surge added (emitted). */
  extraPurchases: number;
}

/** A planted stock-out: the shelves of one product emptied in one store or in every store of a region. */
export interface StockOutTruth {
  kind: 'regional' | 'single_store';
  sku: string;
  region: string;
  storeIds: string[];
  startsAt: string;
  /** When the last of its stores was restocked. */
  endsAt: string;
}

/** An impression (with its click's cost) for a product out of stock in the viewer's region. */
export interface WastedImpressionTruth {
  eventId: string;
  campaignId: string;
  sku: string;
  region: string;
  at: string;
  /** The impression's cost plus its click's, when it was clicked. */
  cost: number;
}

/** The stock system's truth and what the ad server spent on lines whose product was out of stock. */
export interface InventoryTruth {
  /** Stock-outs planted up to the last record emitted. */
  stockOuts: StockOutTruth[];
  /** Impressions served to known viewers (whose region the ad server knows), and their spend. */
  impressions: number;
  spend: number;
  /** Of those, the ones whose product was out of stock in the viewer's region. */
  wastedImpressions: number;
  wastedSpend: number;
  wasted: WastedImpressionTruth[];
  /** Slots the ad server left unserved because the line was paused: product out of stock, or in stock. */
  pausedWhileOut: number;
  pausedWhileInStock: number;
}

/** A zone entry the store app sent, and what the offer engine must respect for it. */
export interface ZoneEntryTruth {
  /** The raw eventId (an offer answers it as its `entryId`). */
  entryId: string;
  loyaltyId: string;
  storeId: string;
  region: string;
  zone: string;
  at: string;
  /** The shopper's consent allowed personalization when the app sent the entry (no offer otherwise). */
  personalization: boolean;
  /** Skus whose shelf in this store was empty at the entry (never offered there). */
  outOfStock: string[];
  /** Skus the shopper buys at the till of this trip: an offer for one of them is redeemed. */
  basket: string[];
}

/** A planted foot-traffic surge: which sensor reports carried it and how many entries it added to them. */
export interface FootTrafficSurgeTruth {
  region: string;
  /** Sensor reports sent in [startsAt, endsAt) carry the surge (they count in the windows holding those times). */
  startsAt: string;
  endsAt: string;
  multiplier: number;
  /** Entries the surge added over the usual counts, summed over the reports emitted so far. */
  extraEntries: number;
}

/** The in-store system's truth (journeys and sensors). */
export interface InstoreTruth {
  zoneEntries: ZoneEntryTruth[];
  footTrafficRecords: number;
  /** Planted foot-traffic surges that had begun by the last record emitted, in time order. */
  footTrafficSurges: FootTrafficSurgeTruth[];
  shelfInteractions: number;
  /** Regulars who made at least one journey. */
  regulars: number;
}

/** Everything planted in a simulation, limited to what was emitted so far. */
export interface GroundTruth {
  seed: number;
  idPrefix: string;
  startsAt: string;
  /** Simulated time of the last emitted record. */
  lastEventAt: string;
  records: number;
  recordsByTopic: Record<string, number>;
  dataCentreCidrs: string[];
  campaigns: Array<{
    campaignId: string;
    brand: string;
    holdoutPercent: number;
    clickLookbackDays: number;
    viewLookbackDays: number;
    /** Loyalty ids of active shoppers held out of the campaign (never shown its ads). */
    holdoutLoyaltyIds: string[];
  }>;
  invalidAdEvents: InvalidEventTruth[];
  invalidInteractions: InvalidEventTruth[];
  clickFarms: ClickFarmTruth[];
  /** The first planted surge (the `surge` option's, unless it was turned off), or null. */
  surge: SurgeTruth | null;
  /** Every planted surge that had begun by the last record emitted (the first always), in time order. */
  surges: SurgeTruth[];
  causedPurchases: CausedPurchaseTruth[];
  consentChanges: ConsentChangeTruth[];
  returns: ReturnTruth[];
  lateEvents: LateEventTruth[];
  malformed: MalformedTruth[];
  /** The stock system's truth (null when it was off). */
  inventory: InventoryTruth | null;
  /** The in-store system's truth (null when it was off). */
  instore: InstoreTruth | null;
}
