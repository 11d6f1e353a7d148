/**
 * The per-record transform of ingest: raw record in, `cleanroom.*` outputs out. It validates, drops
 * duplicates, hands raw identifiers straight to policies/identity, applies consent, enriches and strips.
 * Deterministic: the same record against the same state yields the same outputs (ids included); every write
 * it makes goes to the stores in `context`, which ingest wraps in one transaction per batch.
 */
import { hashIdentifiers, isIdentityError } from '../../policies/identity/index.ts';
import { NO_CONSENT } from '../../policies/consent/index.ts';
import type {
  HostSecrets,
  IdentifierHashes,
  IdentityStore,
  RawIdentifiers,
} from '../../policies/identity/index.ts';
import type { ConsentLedger } from '../../policies/consent/index.ts';
import { RAW_TOPICS, isRawTopic, validateRawEvent } from '../../schema/events.ts';
import type { Consent, Customer, LoyaltyEvent, RawEventByTopic, RawTopic } from '../../schema/events.ts';
import { TOPICS } from '../../schema/topics.ts';
import type {
  CampaignInfo,
  CleanEvent,
  ConsentChange,
  InstoreCleanEvent,
  InventoryLevel,
} from '../../schema/topics.ts';
import type { LogRecord } from '../runtime/index.ts';
import { deadLetterOf } from '../runtime/index.ts';
import type { IpClassifier } from './ip.ts';
import type { IngestOutput, TransformResult } from './outputs.ts';
import { enrichTraffic, sessionHashOf } from './traffic.ts';

/** Event ids already passed, per raw topic. */
export interface SeenSet {
  /** Whether the id was seen within the retention before `timestamp` (so the answer never depends on pruning). */
  has(topic: string, eventId: string, timestamp: number): boolean;
  add(topic: string, eventId: string, timestamp: number): void;
}

/** The state and keys the transform works with. */
export interface TransformContext {
  identity: IdentityStore;
  consent: ConsentLedger;
  seen: SeenSet;
  secrets: HostSecrets;
  ipClassifier: IpClassifier;
}

type SubjectAndConsent = { subjectId: string | null; consent: Consent };

function identifiersOf(customer: Customer | undefined, deviceId: string | undefined): IdentifierHashes {
  const raw: RawIdentifiers = { ...customer };
  const hashes = hashIdentifiers(raw, 'customer.');
  return deviceId === undefined ? hashes : { ...hashes, ...hashIdentifiers({ deviceId }) };
}

function subjectOf(hashes: IdentifierHashes, context: TransformContext): SubjectAndConsent {
  const resolution = context.identity.resolve(hashes);
  if (resolution.subjectId === null)
    return { subjectId: null, consent: { ...context.consent.defaultConsent } };
  const state = context.consent.get(resolution.subjectId);
  // An erased shopper's events still count anonymously nowhere: no subject and no consent for anything.
  if (resolution.erased || state.erased) return { subjectId: null, consent: { ...NO_CONSENT } };
  return { subjectId: resolution.subjectId, consent: state.consent };
}

/** The fields that are set: a clean event leaves out what its raw event did not carry. */
function presentFields<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const present: { [K in keyof T]?: Exclude<T[K], undefined> } = {};
  for (const key of Object.keys(fields) as Array<keyof T>) {
    if (fields[key] !== undefined) present[key] = fields[key] as Exclude<T[typeof key], undefined>;
  }
  return present;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function cleanEventOf(
  topic: RawTopic,
  event: RawEventByTopic[RawTopic],
  who: SubjectAndConsent,
  context: TransformContext,
): CleanEvent | null {
  const base = {
    eventId: `${topic}:${(event as { eventId: string }).eventId}`,
    occurredAt: (event as { occurredAt: string }).occurredAt,
    ...who,
  };
  switch (topic) {
    case RAW_TOPICS.transactions: {
      const sale = event as RawEventByTopic['retail.transactions'];
      return {
        ...base,
        type: 'purchase',
        channel: sale.channel,
        ...(sale.storeId === undefined ? {} : { storeId: sale.storeId }),
        region: sale.region,
        orderId: sale.orderId,
        currency: sale.currency ?? 'USD',
        items: sale.items.map(({ sku, category, brand, quantity, unitPrice }) => ({
          sku,
          category,
          brand,
          quantity,
          unitPrice,
        })),
        revenue: round(sale.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0)),
      };
    }
    case RAW_TOPICS.interactions: {
      const view = event as RawEventByTopic['retail.interactions'];
      return {
        ...base,
        type: view.type,
        sessionHash: sessionHashOf(view.sessionId, context.secrets),
        ...presentFields({ sku: view.sku, category: view.category, region: view.region }),
        traffic: enrichTraffic(view, context),
      };
    }
    case RAW_TOPICS.adEvents: {
      const ad = event as RawEventByTopic['retail.ad-events'];
      return {
        ...base,
        type: ad.type,
        adEventId: ad.eventId,
        campaignId: ad.campaignId,
        placement: ad.placement,
        ...presentFields({ creativeId: ad.creativeId, impressionId: ad.impressionId, cost: ad.cost }),
        traffic: enrichTraffic(ad, context),
      };
    }
    case RAW_TOPICS.storeVisits: {
      const visit = event as RawEventByTopic['retail.store-visits'];
      return { ...base, type: 'store_visit', storeId: visit.storeId, zone: visit.zone, region: visit.region };
    }
    default:
      return null;
  }
}

function loyaltyOutputs(event: LoyaltyEvent, context: TransformContext): TransformResult {
  const hashes = hashIdentifiers({ loyaltyId: event.loyaltyId, email: event.email, phone: event.phone });
  const erase = event.erase === true;
  const resolution = erase ? context.identity.lookup(hashes) : context.identity.resolve(hashes);
  if (resolution.subjectId === null || (resolution.erased && !erase))
    return { outcome: 'loyalty', outputs: [] };
  const subjectId = resolution.subjectId;
  const changeId = `consent:${event.eventId}`;
  const applied = context.consent.apply(subjectId, event.consent, erase, event.occurredAt, changeId);
  if (erase) context.identity.erase(subjectId);
  if (!applied.changed) return { outcome: 'loyalty', outputs: [] };
  const change: ConsentChange = {
    changeId,
    subjectId,
    occurredAt: event.occurredAt,
    consent: applied.state.consent,
    erased: applied.state.erased,
  };
  return {
    outcome: 'consent',
    outputs: [{ topic: TOPICS.consent, key: subjectId, value: change, outputId: changeId }],
  };
}

function campaignOutput(record: LogRecord, event: RawEventByTopic['retail.campaigns']): TransformResult {
  const value: CampaignInfo = {
    campaignId: event.campaignId,
    brand: event.brand,
    name: event.name,
    startsAt: event.startsAt,
    ...(event.endsAt === undefined ? {} : { endsAt: event.endsAt }),
    products: event.products,
    clickLookbackDays: event.clickLookbackDays ?? 14,
    viewLookbackDays: event.viewLookbackDays ?? 1,
    holdoutPercent: event.holdoutPercent ?? 0,
    ...(event.dailyBudget === undefined ? {} : { dailyBudget: event.dailyBudget }),
  };
  const outputId = `campaign:${event.campaignId}:${record.partition}:${record.offset}`;
  return {
    outcome: 'campaign',
    outputs: [{ topic: TOPICS.campaigns, key: event.campaignId, value, outputId }],
  };
}

/** A stock count names no shopper: it passes as it is, keyed by sku so each product's counts stay in order. */
function inventoryOutput(event: RawEventByTopic['retail.inventory']): TransformResult {
  const value: InventoryLevel = { ...event, eventId: `${RAW_TOPICS.inventory}:${event.eventId}` };
  return {
    outcome: 'inventory',
    outputs: [{ topic: TOPICS.inventory, key: event.sku, value, outputId: value.eventId }],
  };
}

/**
 * An in-store record. A zone entry's identifiers are hashed and resolved here like any other; the entry keeps its
 * subject (and is keyed by it, for the offer engine) only when the shopper's consent allows personalization, and
 * otherwise passes anonymous (keyed by store), like the sensors' counts and shelf interactions.
 */
function instoreOutput(event: RawEventByTopic['retail.instore'], context: TransformContext): TransformResult {
  const base = {
    eventId: `${RAW_TOPICS.instore}:${event.eventId}`,
    occurredAt: event.occurredAt,
    storeId: event.storeId,
    region: event.region,
    zone: event.zone,
  };
  let value: InstoreCleanEvent;
  if (event.kind === 'zone_entry') {
    const who = subjectOf(identifiersOf(event.customer, event.deviceId), context);
    value = {
      ...base,
      kind: 'zone_entry',
      entryId: event.eventId,
      subjectId: who.consent.personalization ? who.subjectId : null,
      consent: who.consent,
      ...(event.screenId === undefined ? {} : { screenId: event.screenId }),
    };
  } else if (event.kind === 'foot_traffic') {
    value = { ...base, kind: 'foot_traffic', windowSeconds: event.windowSeconds, count: event.count };
  } else {
    value = { ...base, kind: 'shelf_interaction', sku: event.sku, action: event.action };
  }
  const key = value.kind === 'zone_entry' && value.subjectId !== null ? value.subjectId : event.storeId;
  return {
    outcome: 'instore',
    outputs: [{ topic: TOPICS.instore, key, value, outputId: value.eventId }],
  };
}

/** The processor name dead letters and late events of ingest carry. */
export const INGEST_PROCESSOR_NAME = 'ingest';

/** A refused record: its dead letter (field and reason, never the payload). */
function rejected(record: LogRecord, field: string, reason: string): TransformResult {
  const letter = deadLetterOf(INGEST_PROCESSOR_NAME, record, field, reason);
  return {
    outcome: 'dead-letter',
    outputs: [{ topic: TOPICS.deadLetter, ...letter }],
    rejected: { field, reason: letter.value.reason },
  };
}

/**
 * Transform one raw record. Invalid input becomes a dead letter; a repeated `eventId` of the same raw topic
 * yields nothing (outcome `duplicate`).
 */
export function transformRecord(record: LogRecord, context: TransformContext): TransformResult {
  const topic = record.topic;
  if (!isRawTopic(topic)) return rejected(record, '(topic)', 'is not a raw topic');
  const validated = validateRawEvent(topic, record.value);
  if (!validated.ok) return rejected(record, validated.field, validated.reason);
  const event = validated.value;
  if (topic === RAW_TOPICS.campaigns)
    return campaignOutput(record, event as RawEventByTopic['retail.campaigns']);
  const eventId = (event as { eventId: string }).eventId;
  if (context.seen.has(topic, eventId, record.timestamp)) return { outcome: 'duplicate', outputs: [] };
  let result: TransformResult;
  try {
    if (topic === RAW_TOPICS.loyalty) {
      result = loyaltyOutputs(event as LoyaltyEvent, context);
    } else if (topic === RAW_TOPICS.inventory) {
      result = inventoryOutput(event as RawEventByTopic['retail.inventory']);
    } else if (topic === RAW_TOPICS.instore) {
      result = instoreOutput(event as RawEventByTopic['retail.instore'], context);
    } else {
      const raw = event as { customer?: Customer; deviceId?: string };
      const who = subjectOf(identifiersOf(raw.customer, raw.deviceId), context);
      const clean = cleanEventOf(topic, event, who, context);
      if (clean === null) return rejected(record, '(topic)', 'has no clean form');
      const output: IngestOutput = {
        topic: TOPICS.events,
        key: clean.subjectId ?? clean.eventId,
        value: clean,
        outputId: clean.eventId,
      };
      result = { outcome: 'event', outputs: [output] };
    }
  } catch (error) {
    if (!isIdentityError(error)) throw error;
    return rejected(record, error.field ?? '(value)', error.message);
  }
  context.seen.add(topic, eventId, record.timestamp);
  return result;
}
