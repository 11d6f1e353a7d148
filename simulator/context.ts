/**
 * The state every behaviour shares while a simulation runs: the world, the random stream, the schedule of
 * pending records, the shoppers' ad exposures and the ground truth collected so far.
 */
import type { RawTopic } from '../schema/events.ts';
import type { Random } from './random.ts';
import type { PendingRecord, Schedule } from './schedule.ts';
import type {
  CausedPurchaseTruth,
  ConsentChangeTruth,
  InvalidEventTruth,
  LateEventTruth,
  MalformedTruth,
  ReturnTruth,
  WastedImpressionTruth,
} from './truth.ts';
import type { World } from './world.ts';

/** The latest identifiable exposure of a shopper to one campaign. */
export interface Exposure {
  eventId: string;
  atMs: number;
  record: PendingRecord;
  /** Purchase decisions this exposure may still sway (it is forgotten after them or its lookback). */
  rollsLeft: number;
}

/** Purchase decisions one exposure may sway: the visit it happened in and the next one. */
export const EXPOSURE_ROLLS = 2;

/** A shopper's latest click and impression for one campaign. */
export interface CampaignExposure {
  click?: Exposure;
  view?: Exposure;
}

/** A caused purchase waiting for its exposure to be confirmed as emitted. */
export interface CausedCandidate {
  truth: CausedPurchaseTruth;
  exposure: PendingRecord;
}

/** Ground truth collected while records are emitted. */
export interface TruthState {
  invalidAdEvents: InvalidEventTruth[];
  invalidInteractions: InvalidEventTruth[];
  causedCandidates: CausedCandidate[];
  consentChanges: ConsentChangeTruth[];
  returns: ReturnTruth[];
  lateEvents: LateEventTruth[];
  malformed: MalformedTruth[];
  clickFarmBursts: Map<string, Array<{ startedAt: string; events: number }>>;
  /** Extra purchases emitted per surge (by the surge's index in `options.surges`). */
  surgeExtraPurchases: number[];
  /** Shoppers whose loyalty profile has been emitted, in order. */
  publishedMembers: number[];
  /** What the ad server served to known viewers while the stock system runs (see inventory.ts). */
  adStock: {
    impressions: number;
    spend: number;
    wasted: WastedImpressionTruth[];
    pausedWhileOut: number;
    pausedWhileInStock: number;
  };
}

/** What the ad server may ask the stock system (inventory.ts). */
export interface StockView {
  /** Whether fewer than half of the region's stores hold the product at `atMs`. */
  outInRegion(sku: string, region: string, atMs: number): boolean;
}

/** Options of one published record. */
export interface PublishOptions {
  /** Deliver exactly at the event time (no jitter, never late): profiles, consent, campaigns. */
  onTime?: boolean;
  onEmit?: (record: PendingRecord) => void;
}

/** What behaviours use to generate events. */
export interface SimulationContext {
  world: World;
  random: Random;
  truth: TruthState;
  /** Exposures per shopper index, one slot per campaign index. */
  exposures: Map<number, CampaignExposure[]>;
  /** The stock system, when the simulation runs one. */
  stock: StockView | null;
  /** A new id, unique within the simulation: `<idPrefix>-<tag>-<base36 counter>`. */
  nextId(tag: string): string;
  /** Schedule an event for delivery; returns the pending record. */
  publish(
    topic: RawTopic,
    key: string | null,
    value: object,
    occurredAtMs: number,
    options?: PublishOptions,
  ): PendingRecord;
}

const HOUR_MS = 3_600_000;

/** Create the shared state of a simulation. */
export function createContext(world: World, random: Random, schedule: Schedule): SimulationContext {
  let idCounter = 0;
  let seq = 0;
  const { idPrefix, lateShare } = world.options;
  const truth: TruthState = {
    invalidAdEvents: [],
    invalidInteractions: [],
    causedCandidates: [],
    consentChanges: [],
    returns: [],
    lateEvents: [],
    malformed: [],
    clickFarmBursts: new Map(),
    surgeExtraPurchases: [],
    publishedMembers: [],
    adStock: { impressions: 0, spend: 0, wasted: [], pausedWhileOut: 0, pausedWhileInStock: 0 },
  };
  const recordLate = (record: PendingRecord): void => {
    const value = record.value as { eventId?: string; occurredAt?: string };
    truth.lateEvents.push({
      topic: record.topic,
      eventId: value.eventId ?? '',
      occurredAt: value.occurredAt ?? '',
      delayMinutes: Math.round((record.emitAt - record.occurredAtMs) / 60_000),
    });
  };
  return {
    world,
    random,
    truth,
    exposures: new Map(),
    stock: null,
    nextId: (tag) => `${idPrefix}-${tag}-${(idCounter++).toString(36)}`,
    publish(topic, key, value, occurredAtMs, options = {}) {
      let emitAt = occurredAtMs;
      let onEmit = options.onEmit;
      if (options.onTime !== true) {
        const spread = random.float();
        // Most events arrive within a few seconds and slightly out of order; a few arrive hours late.
        emitAt += Math.floor(spread * spread * 5_000);
        if (lateShare > 0 && random.chance(lateShare)) {
          emitAt += HOUR_MS + random.int(4 * HOUR_MS);
          const inner = onEmit;
          onEmit = (record) => {
            recordLate(record);
            inner?.(record);
          };
        }
      }
      const record: PendingRecord = { emitAt, seq: seq++, topic, key, value, occurredAtMs, emitted: false };
      if (onEmit !== undefined) record.onEmit = onEmit;
      schedule.push(record);
      return record;
    },
  };
}

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
let cachedDay = Number.NaN;
let cachedDayPrefix = '';

/** `YYYY-MM-DDTHH:MM:SS.mmm` (no zone) of an epoch ms, formatted by hand: `toISOString` is a hot spot. */
function localIso(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1_000);
  rest -= seconds * 1_000;
  return `${cachedDayPrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest]}`;
}

/** ISO-8601 in UTC with milliseconds (`2026-03-02T00:00:00.000Z`). */
export function isoAt(ms: number): string {
  return `${localIso(ms)}Z`;
}

/** ISO-8601 in a fixed local offset such as `-08:00`, as a store's till stamps it. */
export function isoAtOffset(ms: number, offsetMinutes: number, offsetText: string): string {
  return `${localIso(ms + offsetMinutes * 60_000)}${offsetText}`;
}
