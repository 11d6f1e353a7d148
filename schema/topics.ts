/**
 * Contracts of the internal `cleanroom.*` topics: what ingest writes and what each processor writes.
 *
 * Nothing here carries a raw identifier: subjects are `subjectId`s (HMAC-SHA256 of an identifier hash with the
 * host secret, base64url), network and device identifiers are keyed HMACs. Every output carries a deterministic
 * id so a replay downstream is recognised as a duplicate.
 */
import { z } from 'zod';
import { consentSchema, placementSchema } from './events.ts';

/** Internal topic names. */
export const TOPICS = {
  events: 'cleanroom.events',
  consent: 'cleanroom.consent',
  campaigns: 'cleanroom.campaigns',
  deadLetter: 'cleanroom.dead-letter',
  ivt: 'cleanroom.ivt',
  fraudSignals: 'cleanroom.fraud-signals',
  segmentChanges: 'cleanroom.segment-changes',
  attributions: 'cleanroom.attributions',
  triggers: 'cleanroom.triggers',
  lateEvents: 'cleanroom.late-events',
  inventory: 'cleanroom.inventory',
  stock: 'cleanroom.stock',
  campaignPauses: 'cleanroom.campaign-pauses',
  bids: 'cleanroom.bids',
  instore: 'cleanroom.instore',
  offers: 'cleanroom.offers',
  offerStats: 'cleanroom.offer-stats',
} as const;

/** An internal topic name. */
export type InternalTopic = (typeof TOPICS)[keyof typeof TOPICS];

/** Default partition count of every topic we create. */
export const DEFAULT_PARTITIONS = 4;

const isoDateTime = z.iso.datetime({ offset: true });

/** Network and device facts kept after ingest, all keyed HMACs or classes (never the ip or device id). */
export const trafficSchema = z.object({
  /** HMAC of the IP address (for frequency counting); absent when the event had no ip. */
  ipHash: z.string().optional(),
  /** HMAC of the IP's /24 (IPv4) or /48 (IPv6). */
  ipPrefixHash: z.string().optional(),
  ipClass: z.enum(['datacenter', 'other', 'unknown']),
  /** The user agent is a known bot or crawler (isbot). */
  botUserAgent: z.boolean(),
  /** The user agent is absent or not a browser's (curl, python-requests, empty...). */
  nonBrowserAgent: z.boolean(),
  /** HMAC of the device id. */
  deviceHash: z.string().optional(),
});

const base = {
  /** `<raw topic>:<raw eventId>`: unique across topics, deterministic. */
  eventId: z.string(),
  occurredAt: isoDateTime,
  /** The shopper, or null for an anonymous event. */
  subjectId: z.string().nullable(),
  /** The shopper's consent as ingest knew it when the event passed. */
  consent: consentSchema,
};

/** A purchase (or return, negative quantities) from `retail.transactions`. */
export const purchaseEventSchema = z.object({
  ...base,
  type: z.literal('purchase'),
  channel: z.enum(['online', 'store']),
  storeId: z.string().optional(),
  region: z.string(),
  orderId: z.string(),
  currency: z.string(),
  items: z.array(
    z.object({
      sku: z.string(),
      category: z.string(),
      brand: z.string(),
      quantity: z.number(),
      unitPrice: z.number(),
    }),
  ),
  /** Sum of quantity x unitPrice (negative for a return). */
  revenue: z.number(),
});

/** A product view, search or add-to-cart from `retail.interactions`. The search text is not kept. */
export const interactionCleanSchema = z.object({
  ...base,
  type: z.enum(['product_view', 'search', 'add_to_cart']),
  /** HMAC of the session id. */
  sessionHash: z.string(),
  sku: z.string().optional(),
  category: z.string().optional(),
  region: z.string().optional(),
  traffic: trafficSchema,
});

/** An impression or click from `retail.ad-events`. */
export const adCleanSchema = z.object({
  ...base,
  type: z.enum(['impression', 'click']),
  /** The raw event's own id (the one `impressionId` on a click refers to). */
  adEventId: z.string(),
  campaignId: z.string(),
  placement: placementSchema,
  creativeId: z.string().optional(),
  impressionId: z.string().optional(),
  cost: z.number().optional(),
  traffic: trafficSchema,
});

/** A store visit from `retail.store-visits`. */
export const storeVisitCleanSchema = z.object({
  ...base,
  type: z.literal('store_visit'),
  storeId: z.string(),
  zone: z.string(),
  region: z.string(),
});

/** `cleanroom.events`, keyed by subjectId (anonymous events keyed by eventId). */
export const cleanEventSchema = z.discriminatedUnion('type', [
  purchaseEventSchema,
  interactionCleanSchema.extend({ type: z.literal('product_view') }),
  interactionCleanSchema.extend({ type: z.literal('search') }),
  interactionCleanSchema.extend({ type: z.literal('add_to_cart') }),
  adCleanSchema.extend({ type: z.literal('impression') }),
  adCleanSchema.extend({ type: z.literal('click') }),
  storeVisitCleanSchema,
]);

/** `cleanroom.consent`, keyed by subjectId: a consent change or erasure a processor must act on. */
export const consentChangeSchema = z.object({
  /** Deterministic: `consent:<raw eventId>`. */
  changeId: z.string(),
  subjectId: z.string(),
  occurredAt: isoDateTime,
  consent: consentSchema,
  erased: z.boolean(),
});

/** `cleanroom.campaigns` (compacted, key = campaignId): campaigns as processors and the gateway see them. */
export const campaignInfoSchema = z.object({
  campaignId: z.string(),
  brand: z.string(),
  name: z.string(),
  startsAt: isoDateTime,
  endsAt: isoDateTime.optional(),
  products: z.object({
    skus: z.array(z.string()).optional(),
    brands: z.array(z.string()).optional(),
    categories: z.array(z.string()).optional(),
  }),
  clickLookbackDays: z.number(),
  viewLookbackDays: z.number(),
  holdoutPercent: z.number(),
  /** Spend allowed per UTC day (the bidding stage paces against it); absent: no pacing. */
  dailyBudget: z.number().optional(),
});

/** `cleanroom.dead-letter`: a refused raw message. No payload is copied (it may hold PII); only its digest. */
export const deadLetterSchema = z.object({
  deadLetterId: z.string(),
  sourceTopic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  /** Dotted path of the failing field, or `(value)`. */
  field: z.string(),
  reason: z.string(),
  /** SHA-256 (hex) of the refused bytes, so an operator can match it against the producer's copy. */
  payloadSha256: z.string(),
  payloadBytes: z.number().int(),
  receivedAt: isoDateTime,
});

/** `cleanroom.ivt`, keyed by subjectId (or eventId): the verdict of one ad event. */
export const ivtVerdictSchema = z.object({
  /** Deterministic: `ivt:<eventId>:<revision>`. */
  verdictId: z.string(),
  eventId: z.string(),
  adEventId: z.string(),
  campaignId: z.string(),
  subjectId: z.string().nullable(),
  occurredAt: isoDateTime,
  type: z.enum(['impression', 'click']),
  valid: z.boolean(),
  tier: z.enum(['GIVT', 'SIVT']).nullable(),
  reasons: z.array(z.string()),
  /** 0 for the first verdict; a later revision (a late SIVT finding) supersedes it. */
  revision: z.number().int(),
});

/** `cleanroom.fraud-signals`: a spike from one source. */
export const fraudSignalSchema = z.object({
  signalId: z.string(),
  sourceKind: z.enum(['ip', 'ip_prefix', 'device', 'subject']),
  sourceHash: z.string(),
  reason: z.string(),
  windowStart: isoDateTime,
  windowEnd: isoDateTime,
  count: z.number().int(),
  expiresAt: isoDateTime,
});

/** `cleanroom.segment-changes`, keyed by subjectId. */
export const segmentChangeSchema = z.object({
  /** Deterministic: `seg:<segmentId>:<subjectId>:<sequence>`. */
  changeId: z.string(),
  segmentId: z.string(),
  subjectId: z.string(),
  action: z.enum(['entered', 'exited']),
  /** Event time of the change (the watermark for time-driven exits). */
  at: isoDateTime,
  cause: z.enum(['event', 'time', 'consent', 'erasure']),
  /** Segment size after this change (members of the processor instance's partitions). */
  segmentSize: z.number().int(),
  /** Whether the subject consented to partner sharing when the change was made. */
  partnerSharing: z.boolean(),
});

/** Attribution models. */
export const attributionModelSchema = z.enum([
  'last_touch',
  'first_touch',
  'linear',
  'time_decay',
  'position_based',
]);

/** A credit of one conversion to one exposure under one model (internal; never served to partners). */
export const attributionCreditSchema = z.object({
  kind: z.literal('credit'),
  /** Deterministic: `credit:<model>:<conversionEventId>:<exposureEventId>`. */
  creditId: z.string(),
  campaignId: z.string(),
  model: attributionModelSchema,
  subjectId: z.string(),
  conversionEventId: z.string(),
  exposureEventId: z.string(),
  exposureType: z.enum(['impression', 'click']),
  channel: z.enum(['online', 'store']),
  match: z.enum(['direct', 'halo']),
  day: z.string(),
  /** Share of the conversion credited, 0..1. */
  weight: z.number(),
  revenue: z.number(),
  /** True when a later IVT verdict withdrew this credit. */
  retracted: z.boolean(),
});

/** A restated aggregate per campaign, day, channel and model (the latest per key wins). */
export const attributionAggregateSchema = z.object({
  kind: z.literal('aggregate'),
  /** `agg:<campaignId>:<day>:<channel>:<model>` — the key; later versions restate earlier ones. */
  aggregateId: z.string(),
  version: z.number().int(),
  campaignId: z.string(),
  day: z.string(),
  channel: z.enum(['online', 'store']),
  model: attributionModelSchema,
  exposedSubjects: z.number().int(),
  convertingSubjects: z.number().int(),
  conversions: z.number(),
  revenue: z.number(),
  directRevenue: z.number(),
  haloRevenue: z.number(),
  spend: z.number(),
  /**
   * The same row with every subject's contribution bounded (host privacy.contributionBounds; see
   * processors/attribution/bounded.ts): a subject counts in at most `cellsPerCampaign` day-and-channel cells of a
   * campaign (its earliest), and in each adds at most 1 subject, `conversions` conversions, `revenue` revenue
   * and `spend` spend. Partners are answered from these (noise scales with `bounds`); the host from the exact
   * sums. The attribution stage always writes `bounds` and `convertingSubjects`; an aggregate without `bounded`
   * (written before bounds existed) must not be released to a partner.
   */
  bounded: z
    .object({
      /** Subjects whose kept cells include this one. */
      exposedSubjects: z.number().int(),
      /** Those of them with a credited conversion in this cell. */
      convertingSubjects: z.number().int().optional(),
      conversions: z.number(),
      revenue: z.number(),
      spend: z.number(),
      /** The bounds applied (the largest in force whenever the row changed). */
      bounds: z
        .object({
          conversions: z.number(),
          revenue: z.number(),
          spend: z.number(),
          cellsPerCampaign: z.number().int(),
        })
        .optional(),
    })
    .optional(),
  holdout: z
    .object({
      exposedSubjects: z.number().int(),
      exposedConverters: z.number().int(),
      holdoutSubjects: z.number().int(),
      holdoutConverters: z.number().int(),
      /** exposedConverters / exposedSubjects (0 without exposed subjects). */
      exposedConversionRate: z.number().optional(),
      /** holdoutConverters / holdoutSubjects (0 without held-out subjects). */
      holdoutConversionRate: z.number().optional(),
      /** Incremental lift: exposed rate / holdout rate - 1; null while the holdout rate is 0. */
      lift: z.number().nullable().optional(),
    })
    .optional(),
});

/** `cleanroom.attributions`: credits and restated aggregates. */
export const attributionRecordSchema = z.discriminatedUnion('kind', [
  attributionCreditSchema,
  attributionAggregateSchema,
]);

/** The inputs a trigger is judged on: purchases of a category, or a region's zone-sensor foot traffic. */
export const TRIGGER_INPUTS = ['purchases', 'foot_traffic'] as const;
export type TriggerInput = (typeof TRIGGER_INPUTS)[number];

/** The category a foot-traffic trigger carries (it counts people entering stores, not a product category). */
export const FOOT_TRAFFIC_CATEGORY = 'foot_traffic';

/**
 * `cleanroom.triggers`: a cross-industry demand trigger. Whether it exists and every figure in it come from the
 * differentially private release of processors/triggers (noised units and buyers of clamped demand); only
 * `hostOnly` carries exact figures.
 */
export const triggerSchema = z.object({
  /**
   * Deterministic: `trigger:<category>:<region>:<windowStart>` (purchases), `foot-traffic:<region>:<windowStart>`
   * (foot traffic).
   */
  triggerId: z.string(),
  /** What the trigger was judged on; absent on purchase triggers (and on every trigger written before it existed). */
  input: z.enum(TRIGGER_INPUTS).optional(),
  category: z.string(),
  region: z.string(),
  windowStart: isoDateTime,
  windowEnd: isoDateTime,
  /** observed / max(baseline, the stage's baseline floor). */
  lift: z.number(),
  /** EWMA of the noised units of earlier windows (post-processing of earlier releases). */
  baseline: z.number(),
  /** Noised units of the window (after per-buyer clamps). */
  observed: z.number(),
  /**
   * Noised distinct buyers of the window (after per-buyer clamps). A foot-traffic trigger has no buyers: 0 (its
   * released count is `observed`, the noised clamped entries).
   */
  distinctBuyers: z.number().int(),
  /** The release's public parameters (absent on triggers written before the release was differentially private). */
  mechanism: z
    .object({
      epsilon: z.number(),
      unitsEpsilon: z.number(),
      buyersEpsilon: z.number(),
      unitsSensitivity: z.number().int(),
      buyersSensitivity: z.number().int(),
      delta: z.number(),
      /** The noised buyers had to reach this: max(k floor, partition-selection threshold). */
      buyerThreshold: z.number().int(),
      maxUnitsPerBuyer: z.number().int(),
      maxCategoriesPerBuyer: z.number().int(),
    })
    .optional(),
  /** The foot-traffic release's public parameters (foot-traffic triggers only). */
  footTrafficMechanism: z
    .object({
      epsilon: z.number(),
      /** Most entries one sensor record adds to a region-hour: the L1 sensitivity of the noised entries. */
      maxEntriesPerRecord: z.number().int(),
      delta: z.number(),
      /** The noised entries had to reach this: max(k floor, partition-selection threshold). */
      entryThreshold: z.number().int(),
      /** Windows in one season of the baseline (24 hourly windows: the same hour of earlier days). */
      seasonWindows: z.number().int(),
    })
    .optional(),
  /**
   * EXACT figures for the host's own analysts (HOST_ADMIN) only: the gateway must strip this block from anything
   * a partner receives. `units`/`distinctBuyers` are the raw window; `bounded*` after the per-buyer clamps.
   */
  hostOnly: z
    .object({
      units: z.number(),
      distinctBuyers: z.number().int(),
      boundedUnits: z.number().int(),
      boundedDistinctBuyers: z.number().int(),
    })
    .optional(),
});

/** `cleanroom.late-events`: the side output of events too late for their windows. */
export const lateEventSchema = z.object({
  processor: z.string(),
  eventId: z.string(),
  occurredAt: isoDateTime,
  watermark: isoDateTime,
});

/** `cleanroom.inventory`, keyed by sku: a validated stock count of one product in one store. */
export const inventoryLevelSchema = z.object({
  /** `retail.inventory:<raw eventId>`. */
  eventId: z.string(),
  occurredAt: isoDateTime,
  storeId: z.string(),
  region: z.string(),
  sku: z.string(),
  category: z.string(),
  brand: z.string(),
  onHand: z.number().int().nonnegative(),
  onOrder: z.number().int().nonnegative(),
});

/**
 * `cleanroom.stock`, keyed by sku: a change of stock status. `store`: one store's product went in or out of stock
 * (in stock = `onHand > 0`). `region`: the share of the region's stores holding the product changed, and
 * `inStock` is `inStockShare >= minInStockShare` (the inventory stage's setting).
 */
export const stockStatusSchema = z.object({
  /** Deterministic: `stock:<level>:<sku>:<region or store>:<inventory eventId>`. */
  statusId: z.string(),
  level: z.enum(['store', 'region']),
  sku: z.string(),
  category: z.string(),
  brand: z.string(),
  region: z.string(),
  /** Set on `store` records. */
  storeId: z.string().optional(),
  /** Stores of the region that reported the product. */
  storesKnown: z.number().int().nonnegative(),
  storesInStock: z.number().int().nonnegative(),
  inStockShare: z.number().min(0).max(1),
  inStock: z.boolean(),
  at: isoDateTime,
});

/**
 * `cleanroom.campaign-pauses`, keyed by campaignId: the host's ad server stops serving the campaign's line item
 * for `sku` in `region` on `pause` and serves it again on `resume`. `substitute` is set only when the brand's
 * contract allows substitution: a product of the same brand and category that is in stock in the region.
 */
export const campaignPauseSchema = z.object({
  /** Deterministic: `pause:<campaignId>:<sku>:<region>:<inventory eventId>`. */
  decisionId: z.string(),
  campaignId: z.string(),
  brand: z.string(),
  sku: z.string(),
  region: z.string(),
  action: z.enum(['pause', 'resume']),
  /** Event time of the stock change that decided it. */
  at: isoDateTime,
  inStockShare: z.number().min(0).max(1),
  substitute: z.object({ sku: z.string(), inStockShare: z.number().min(0).max(1) }).nullable(),
});

/** A reason of a bid multiplier: one factor and what it was computed from. */
export const bidReasonSchema = z.object({
  code: z.enum(['conversion_rate', 'stock', 'invalid_traffic', 'pacing', 'flight']),
  /** The factor this reason multiplies the bid by (1 = neutral). */
  factor: z.number().min(0),
  /** Why, in words an ad ops person reads (no shopper data beyond the counts below). */
  note: z.string(),
  /** The rule's inputs: rates, shares, spend (exact on this host-side topic). */
  observed: z.record(z.string(), z.number()),
});

/**
 * `cleanroom.bids`, keyed by campaignId: the bid multiplier of one campaign on one placement, for the host's ad
 * server (which multiplies its base bid by it). The product of the reasons' factors, clamped to [0, 3]. A new
 * record is written when the multiplier or a factor moves by 0.05 or more; the latest per campaign and placement
 * holds. Exact inputs: the host's own data, never served to a partner as it is (the gateway recomputes a brand's
 * view from noised counts, see `bounded`).
 */
export const bidMultiplierSchema = z.object({
  /** Deterministic: `bid:<campaignId>:<placement>:<cause>` (the input record that moved it). */
  bidId: z.string(),
  campaignId: z.string(),
  brand: z.string(),
  placement: placementSchema,
  multiplier: z.number().min(0),
  reasons: z.array(bidReasonSchema),
  /** Event time of the input that moved it. */
  at: isoDateTime,
  /**
   * Running totals since the stage started with each contributor's share clamped to `bounds` (per campaign, for
   * good; spend per campaign and UTC day; a contributor: the shopper, or for an anonymous ad event its device, else
   * its network): what a brand's view is released from, noised. `adEvents` .. `conversions` are the placement's; `contributors`
   * (distinct contributors ever counted) and `spend` are the campaign's, as they stood when the record was written.
   */
  bounded: z.object({
    adEvents: z.number().int().nonnegative(),
    invalidAdEvents: z.number().int().nonnegative(),
    clicks: z.number().int().nonnegative(),
    conversions: z.number().int().nonnegative(),
    contributors: z.number().int().nonnegative(),
    spend: z.number().nonnegative(),
    /** The campaign's bounded spend on the UTC day of `at` (what a brand's pacing is recomputed from). */
    spendToday: z.number().nonnegative(),
    bounds: z.object({
      adEvents: z.number().int().positive(),
      clicks: z.number().int().positive(),
      conversions: z.number().int().positive(),
      spend: z.number().positive(),
    }),
  }),
});

const instoreCleanBase = {
  /** `retail.instore:<raw eventId>`. */
  eventId: z.string(),
  occurredAt: isoDateTime,
  storeId: z.string(),
  region: z.string(),
  zone: z.string(),
};

/**
 * `cleanroom.instore`: in-store records after ingest. A zone entry is keyed by its subject; sensor records (and
 * entries without a subject) by store. A zone entry keeps its subject only when the shopper's consent allows
 * personalization: ingest does not keep a trail of anyone else's moves through a store.
 */
export const instoreCleanSchema = z.discriminatedUnion('kind', [
  z.object({
    ...instoreCleanBase,
    kind: z.literal('zone_entry'),
    /** The app's own id of the entry (its raw eventId): the app and screens match an offer to it. */
    entryId: z.string(),
    subjectId: z.string().nullable(),
    consent: consentSchema,
    screenId: z.string().optional(),
  }),
  z.object({
    ...instoreCleanBase,
    kind: z.literal('foot_traffic'),
    windowSeconds: z.number().int().positive(),
    count: z.number().int().nonnegative(),
  }),
  z.object({
    ...instoreCleanBase,
    kind: z.literal('shelf_interaction'),
    sku: z.string(),
    action: z.enum(['pick_up', 'put_back']),
  }),
]);

/**
 * An offer made to a shopper who entered a zone (`cleanroom.offers`, keyed by store). It names no shopper: the
 * store app that sent the zone entry shows it for the entry it answers (`entryId`, the app's own id of that
 * entry), or the zone's screen does (`screenId`). No partner reads this topic.
 */
export const offerMadeSchema = z.object({
  kind: z.literal('offer'),
  /** Deterministic: `offer:<zone entry eventId>`. */
  offerId: z.string(),
  entryId: z.string(),
  screenId: z.string().optional(),
  /** The contract's offer (`offers[].offerId`) and the brand that funds it. */
  offerCode: z.string(),
  brand: z.string(),
  sku: z.string(),
  discountPercent: z.number(),
  storeId: z.string(),
  region: z.string(),
  zone: z.string(),
  madeAt: isoDateTime,
  /** A purchase of `sku` until then redeems the offer. */
  expiresAt: isoDateTime,
});

/** A purchase of an offered product within the offer's window (`cleanroom.offers`, keyed by store). */
export const offerRedeemedSchema = z.object({
  kind: z.literal('redemption'),
  /** Deterministic: `redeem:<offerId>`. */
  redemptionId: z.string(),
  offerId: z.string(),
  offerCode: z.string(),
  brand: z.string(),
  sku: z.string(),
  /** Where the offer was made (the report's region is the offer's). */
  storeId: z.string(),
  region: z.string(),
  redeemedAt: isoDateTime,
  /** The purchase that redeemed it (`retail.transactions:<eventId>`). */
  purchaseEventId: z.string(),
});

/** `cleanroom.offers`: offers made and redeemed. */
export const offerRecordSchema = z.discriminatedUnion('kind', [offerMadeSchema, offerRedeemedSchema]);

/**
 * `cleanroom.offer-stats`, keyed by brand: the restated count of one brand's offers made and redeemed on one day
 * (UTC, of the offer) in one region (the latest `version` per `statId` wins). Exact figures are the host's;
 * partners are answered from `bounded` (each shopper in at most `cellsPerBrand` cells of a brand, each cell
 * holding at most the daily cap of offers per shopper), through the gateway's release step.
 */
export const offerStatSchema = z.object({
  /** `offer-stats:<brand>:<day>:<region>`. */
  statId: z.string(),
  version: z.number().int(),
  brand: z.string(),
  day: z.string(),
  region: z.string(),
  offeredSubjects: z.number().int().nonnegative(),
  offersMade: z.number().int().nonnegative(),
  offersRedeemed: z.number().int().nonnegative(),
  bounded: z.object({
    offeredSubjects: z.number().int().nonnegative(),
    offersMade: z.number().int().nonnegative(),
    offersRedeemed: z.number().int().nonnegative(),
    bounds: z.object({
      cellsPerBrand: z.number().int().positive(),
      offersPerShopperPerDay: z.number().int().positive(),
    }),
  }),
});

export type Traffic = z.infer<typeof trafficSchema>;
export type CleanEvent = z.infer<typeof cleanEventSchema>;
export type PurchaseEvent = z.infer<typeof purchaseEventSchema>;
export type InteractionCleanEvent = Extract<CleanEvent, { type: 'product_view' | 'search' | 'add_to_cart' }>;
export type AdCleanEvent = Extract<CleanEvent, { type: 'impression' | 'click' }>;
export type StoreVisitCleanEvent = z.infer<typeof storeVisitCleanSchema>;
export type ConsentChange = z.infer<typeof consentChangeSchema>;
export type CampaignInfo = z.infer<typeof campaignInfoSchema>;
export type DeadLetter = z.infer<typeof deadLetterSchema>;
export type IvtVerdict = z.infer<typeof ivtVerdictSchema>;
export type FraudSignal = z.infer<typeof fraudSignalSchema>;
export type SegmentChange = z.infer<typeof segmentChangeSchema>;
export type AttributionModel = z.infer<typeof attributionModelSchema>;
export type AttributionCredit = z.infer<typeof attributionCreditSchema>;
export type AttributionAggregate = z.infer<typeof attributionAggregateSchema>;
export type AttributionRecord = z.infer<typeof attributionRecordSchema>;
export type Trigger = z.infer<typeof triggerSchema>;
export type LateEvent = z.infer<typeof lateEventSchema>;
export type InventoryLevel = z.infer<typeof inventoryLevelSchema>;
export type StockStatus = z.infer<typeof stockStatusSchema>;
export type CampaignPause = z.infer<typeof campaignPauseSchema>;
export type BidReason = z.infer<typeof bidReasonSchema>;
export type BidMultiplier = z.infer<typeof bidMultiplierSchema>;
export type InstoreCleanEvent = z.infer<typeof instoreCleanSchema>;
export type ZoneEntry = Extract<InstoreCleanEvent, { kind: 'zone_entry' }>;
export type OfferMade = z.infer<typeof offerMadeSchema>;
export type OfferRedeemed = z.infer<typeof offerRedeemedSchema>;
export type OfferRecord = z.infer<typeof offerRecordSchema>;
export type OfferStat = z.infer<typeof offerStatSchema>;
