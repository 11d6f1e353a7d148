/**
 * Contracts of the raw topics the host's systems produce (DESIGN.md section 4), as zod schemas.
 *
 * Every field is validated at ingest; `npm run schema:export` writes them as JSON Schema under `schema/json/`
 * so producers in any language can validate before they send. Version: bump `RAW_SCHEMA_VERSION` on any
 * change and keep old shapes accepted for as long as producers may send them.
 */
import { z } from 'zod';

/** The version of the raw topic contracts. */
export const RAW_SCHEMA_VERSION = 1;

/** Raw topic names. */
export const RAW_TOPICS = {
  transactions: 'retail.transactions',
  interactions: 'retail.interactions',
  adEvents: 'retail.ad-events',
  loyalty: 'retail.loyalty',
  campaigns: 'retail.campaigns',
  storeVisits: 'retail.store-visits',
  inventory: 'retail.inventory',
  instore: 'retail.instore',
} as const;

/** A raw topic name. */
export type RawTopic = (typeof RAW_TOPICS)[keyof typeof RAW_TOPICS];

/** Largest accepted value of any raw message, in bytes (larger ones are dead-lettered). */
export const MAX_RAW_EVENT_BYTES = 64 * 1024;

const isoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with a zone' });
const id = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const shortText = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters');

/** Any subset of a shopper's identifiers; absent for an anonymous event. */
export const customerSchema = z
  .object({
    loyaltyId: id.optional(),
    email: z.string().min(3).max(254, 'must be at most 254 characters').optional(),
    phone: z.string().min(1).max(32, 'must be at most 32 characters').optional(),
  })
  .strict();

/** One line of an order. A negative quantity is a return. */
export const lineItemSchema = z
  .object({
    sku: id,
    category: shortText,
    brand: shortText,
    quantity: z
      .number()
      .int('must be an integer')
      .refine((q) => q !== 0, 'must not be zero'),
    unitPrice: z.number().nonnegative('must not be negative').finite(),
  })
  .strict();

const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as USD');

/** `retail.transactions`: till and online orders. */
export const transactionSchema = z
  .object({
    eventId: id,
    occurredAt: isoDateTime,
    channel: z.enum(['online', 'store']),
    storeId: id.optional(),
    region: shortText,
    orderId: id,
    customer: customerSchema.optional(),
    items: z
      .array(lineItemSchema)
      .min(1, 'must hold at least one item')
      .max(500, 'must hold at most 500 items'),
    currency: currency.optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    if (event.channel === 'store' && event.storeId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['storeId'], message: 'is required when channel is store' });
    }
  });

/** `retail.interactions`: web and app behaviour. */
export const interactionSchema = z
  .object({
    eventId: id,
    occurredAt: isoDateTime,
    type: z.enum(['product_view', 'search', 'add_to_cart']),
    sessionId: id,
    customer: customerSchema.optional(),
    deviceId: id.optional(),
    sku: id.optional(),
    category: shortText.optional(),
    query: z.string().max(512, 'must be at most 512 characters').optional(),
    ip: z.string().min(2).max(64).optional(),
    userAgent: z.string().max(1024, 'must be at most 1024 characters').optional(),
    region: shortText.optional(),
  })
  .strict();

/** Placements of the retail media network. */
export const placementSchema = z.enum(['search', 'product_page', 'home', 'app', 'in_store_screen']);

/** `retail.ad-events`: impressions and clicks. */
export const adEventSchema = z
  .object({
    eventId: id,
    occurredAt: isoDateTime,
    type: z.enum(['impression', 'click']),
    campaignId: id,
    placement: placementSchema,
    creativeId: id.optional(),
    impressionId: id.optional(),
    customer: customerSchema.optional(),
    deviceId: id.optional(),
    ip: z.string().min(2).max(64).optional(),
    userAgent: z.string().max(1024, 'must be at most 1024 characters').optional(),
    cost: z.number().nonnegative('must not be negative').finite().optional(),
  })
  .strict();

/** Consent purposes a shopper grants or withdraws. */
export const consentSchema = z
  .object({
    measurement: z.boolean(),
    personalization: z.boolean(),
    partnerSharing: z.boolean(),
  })
  .strict();

/** `retail.loyalty`: profiles, identity links and consent; `erase: true` is a deletion request. */
export const loyaltySchema = z
  .object({
    eventId: id,
    occurredAt: isoDateTime,
    loyaltyId: id,
    email: z.string().min(3).max(254).optional(),
    phone: z.string().min(1).max(32).optional(),
    tier: shortText.optional(),
    consent: consentSchema,
    erase: z.boolean().optional(),
  })
  .strict();

/** `retail.campaigns` (compacted, key = campaignId). */
export const campaignSchema = z
  .object({
    campaignId: id,
    brand: shortText,
    name: shortText,
    startsAt: isoDateTime,
    endsAt: isoDateTime.optional(),
    products: z
      .object({
        skus: z.array(id).max(10_000).optional(),
        brands: z.array(shortText).max(1_000).optional(),
        categories: z.array(shortText).max(1_000).optional(),
      })
      .strict(),
    clickLookbackDays: z.number().int().min(0).max(90).optional(),
    viewLookbackDays: z.number().int().min(0).max(90).optional(),
    holdoutPercent: z.number().min(0).max(100).optional(),
    /** What the brand may spend per day (UTC) in `currency`: the flight plan the bidding stage paces against. */
    dailyBudget: z.number().positive().finite().max(1e9).optional(),
  })
  .strict();

/** `retail.store-visits`: a shopper seen in a store zone. */
export const storeVisitSchema = z
  .object({
    eventId: id,
    occurredAt: isoDateTime,
    storeId: id,
    zone: shortText,
    region: shortText,
    customer: customerSchema.optional(),
    deviceId: id.optional(),
  })
  .strict();

/**
 * `retail.inventory`: the stock system's count of one product in one store (key = `<storeId>|<sku>`). Each record
 * states the level as of `occurredAt`; a later record of the same store and product replaces it. No shopper is
 * named: nothing here is personal data, but it is the retailer's confidential stock position.
 */
export const inventorySchema = z
  .object({
    eventId: id,
    occurredAt: isoDateTime,
    storeId: id,
    region: shortText,
    sku: id,
    category: shortText,
    brand: shortText,
    onHand: z.number().int('must be an integer').nonnegative('must not be negative').max(10_000_000),
    onOrder: z.number().int('must be an integer').nonnegative('must not be negative').max(10_000_000),
  })
  .strict();

/** Kinds of in-store record: the app's zone entries, anonymous sensor counts, shelf interactions. */
export const INSTORE_KINDS = ['zone_entry', 'foot_traffic', 'shelf_interaction'] as const;

const instoreBase = {
  eventId: id,
  occurredAt: isoDateTime,
  storeId: id,
  region: shortText,
  zone: shortText,
};

/**
 * `retail.instore` (key = storeId): what the store's app and sensors report.
 *
 * - `zone_entry`: the store app saw its shopper enter a zone (beacon or geofence). It carries the shopper's
 *   identifiers (hashed at ingest; the offer engine sees only the subject) and, when the app shows offers on a
 *   screen of the zone instead of the phone, that screen's id.
 * - `foot_traffic`: a zone sensor's anonymous count of people entering over `windowSeconds`.
 * - `shelf_interaction`: a shelf sensor saw a product picked up or put back (anonymous).
 */
export const instoreSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...instoreBase,
      kind: z.literal('zone_entry'),
      customer: customerSchema,
      deviceId: id.optional(),
      screenId: id.optional(),
    })
    .strict(),
  z
    .object({
      ...instoreBase,
      kind: z.literal('foot_traffic'),
      windowSeconds: z.number().int('must be an integer').min(1).max(3_600),
      count: z.number().int('must be an integer').nonnegative('must not be negative').max(1_000_000),
    })
    .strict(),
  z
    .object({
      ...instoreBase,
      kind: z.literal('shelf_interaction'),
      sku: id,
      action: z.enum(['pick_up', 'put_back']),
    })
    .strict(),
]);

export type Customer = z.infer<typeof customerSchema>;
export type LineItem = z.infer<typeof lineItemSchema>;
export type TransactionEvent = z.infer<typeof transactionSchema>;
export type InteractionEvent = z.infer<typeof interactionSchema>;
export type Placement = z.infer<typeof placementSchema>;
export type AdEvent = z.infer<typeof adEventSchema>;
export type Consent = z.infer<typeof consentSchema>;
export type LoyaltyEvent = z.infer<typeof loyaltySchema>;
export type CampaignEvent = z.infer<typeof campaignSchema>;
export type StoreVisitEvent = z.infer<typeof storeVisitSchema>;
export type InventoryEvent = z.infer<typeof inventorySchema>;
export type InstoreEvent = z.infer<typeof instoreSchema>;
export type InstoreKind = (typeof INSTORE_KINDS)[number];

/** The schema of each raw topic. */
export const RAW_TOPIC_SCHEMAS = {
  [RAW_TOPICS.transactions]: transactionSchema,
  [RAW_TOPICS.interactions]: interactionSchema,
  [RAW_TOPICS.adEvents]: adEventSchema,
  [RAW_TOPICS.loyalty]: loyaltySchema,
  [RAW_TOPICS.campaigns]: campaignSchema,
  [RAW_TOPICS.storeVisits]: storeVisitSchema,
  [RAW_TOPICS.inventory]: inventorySchema,
  [RAW_TOPICS.instore]: instoreSchema,
} as const;

/** The value type of each raw topic. */
export interface RawEventByTopic {
  'retail.transactions': TransactionEvent;
  'retail.interactions': InteractionEvent;
  'retail.ad-events': AdEvent;
  'retail.loyalty': LoyaltyEvent;
  'retail.campaigns': CampaignEvent;
  'retail.store-visits': StoreVisitEvent;
  'retail.inventory': InventoryEvent;
  'retail.instore': InstoreEvent;
}

/** Why a raw message was refused: the first failing field and its reason. */
export interface ValidationFailure {
  ok: false;
  /** Dotted path of the first failing field (`items.0.quantity`), or `(value)` for the whole message. */
  field: string;
  reason: string;
}

/** The result of validating one raw message. */
export type ValidationResult<T> = { ok: true; value: T } | ValidationFailure;

/** Whether a name is one of our raw topics. */
export function isRawTopic(topic: string): topic is RawTopic {
  return Object.values(RAW_TOPICS).includes(topic as RawTopic);
}

/**
 * Parse and validate the text of a raw message.
 *
 * @example
 * const result = validateRawEvent('retail.ad-events', text);
 * if (!result.ok) deadLetter(`${result.field}: ${result.reason}`);
 */
export function validateRawEvent<T extends RawTopic>(
  topic: T,
  text: string,
): ValidationResult<RawEventByTopic[T]> {
  if (Buffer.byteLength(text, 'utf8') > MAX_RAW_EVENT_BYTES) {
    return { ok: false, field: '(value)', reason: `is larger than ${MAX_RAW_EVENT_BYTES} bytes` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, field: '(value)', reason: 'is not valid JSON' };
  }
  return validateRawValue(topic, parsed);
}

/** Validate an already parsed raw value. */
export function validateRawValue<T extends RawTopic>(
  topic: T,
  value: unknown,
): ValidationResult<RawEventByTopic[T]> {
  const schema = RAW_TOPIC_SCHEMAS[topic] as unknown as z.ZodType<RawEventByTopic[T]>;
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(value)';
  return { ok: false, field, reason: issue?.message ?? 'is invalid' };
}
