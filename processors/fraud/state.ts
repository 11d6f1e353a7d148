/**
 * The detector's state: plain maps of plain objects, so it can be snapshotted to JSON and restored
 * (the processor stores the snapshot beside its input offsets in one transaction).
 */
import { TrackedMap } from './tracked-map.ts';

/** What the detector remembers of one ad event it gave a verdict to. */
export interface EventMemory {
  eventId: string;
  adEventId: string;
  campaignId: string;
  subjectId: string | null;
  occurredAt: string;
  at: number;
  type: 'impression' | 'click';
  placement: string;
  /** The behavioural source key (device, else ip, else subject). */
  source: string;
  revision: number;
  reasons: string[];
}

/** Clicks and impressions of one source on one placement in one tumbling window. */
export interface RateCell {
  impressions: number;
  clicks: number;
}

/** A source found out: its later events are invalid until `expiresAt`. */
export interface FlaggedSource {
  reason: string;
  from: number;
  expiresAt: number;
}

/** The whole mutable state of a fraud detector. */
export interface FraudState {
  /** Verdict memory by clean event id. */
  events: TrackedMap<EventMemory>;
  /** Impression times by the raw ad event id a click names. */
  impressions: TrackedMap<number>;
  /** Clicks that named an impression not seen yet, by that impression's ad event id. */
  clicksAwaitingImpression: TrackedMap<string[]>;
  /** Ascending click times per source key (`ip:<hash>`, `device:<hash>`): frequency windows. */
  clickTimes: TrackedMap<number[]>;
  /** Recent ad event ids per source key, oldest first: what a finding about the source revises. */
  sourceEvents: TrackedMap<string[]>;
  /** Last click time per subject (or source), campaign and creative. */
  lastClick: TrackedMap<number>;
  /** Rates per `source|placement|window`. */
  rates: TrackedMap<RateCell>;
  /** Ascending conversion times per source key. */
  conversions: TrackedMap<number[]>;
  /** Source keys each subject clicked from, with the last click time. */
  subjectSources: TrackedMap<Record<string, number>>;
  /** Flagged sources by source key. */
  flagged: TrackedMap<FlaggedSource>;
  /** Greatest event time seen (drives pruning; never the wall clock). */
  maxEventTime: number;
  /** Ad events seen since the last prune. */
  sincePrune: number;
}

/** A fresh, empty state. */
export function createFraudState(): FraudState {
  return {
    events: new TrackedMap(),
    impressions: new TrackedMap(),
    clicksAwaitingImpression: new TrackedMap(),
    clickTimes: new TrackedMap(),
    sourceEvents: new TrackedMap(),
    lastClick: new TrackedMap(),
    rates: new TrackedMap(),
    conversions: new TrackedMap(),
    subjectSources: new TrackedMap(),
    flagged: new TrackedMap(),
    maxEventTime: Number.NEGATIVE_INFINITY,
    sincePrune: 0,
  };
}

/** The JSON form of a {@link FraudState}. */
export interface FraudStateSnapshot {
  events: [string, EventMemory][];
  impressions: [string, number][];
  clicksAwaitingImpression: [string, string[]][];
  clickTimes: [string, number[]][];
  sourceEvents: [string, string[]][];
  lastClick: [string, number][];
  rates: [string, RateCell][];
  conversions: [string, number[]][];
  subjectSources: [string, Record<string, number>][];
  flagged: [string, FlaggedSource][];
  maxEventTime: number | null;
  /** Ad events since the last prune (absent in snapshots taken before it was kept). */
  sincePrune?: number;
}

/** Serializes a state (a deep copy: later mutation of the state does not change the snapshot). */
export function snapshotFraudState(state: FraudState): FraudStateSnapshot {
  return structuredClone({
    events: [...state.events],
    impressions: [...state.impressions],
    clicksAwaitingImpression: [...state.clicksAwaitingImpression],
    clickTimes: [...state.clickTimes],
    sourceEvents: [...state.sourceEvents],
    lastClick: [...state.lastClick],
    rates: [...state.rates],
    conversions: [...state.conversions],
    subjectSources: [...state.subjectSources],
    flagged: [...state.flagged],
    maxEventTime: Number.isFinite(state.maxEventTime) ? state.maxEventTime : null,
    sincePrune: state.sincePrune,
  });
}

/** Rebuilds a state from its snapshot. */
export function restoreFraudState(snapshot: FraudStateSnapshot): FraudState {
  const copy = structuredClone(snapshot);
  return {
    // Pruning walks these two in insertion order and stops at the first young entry: restore them by time.
    events: new TrackedMap(copy.events.sort((a, b) => a[1].at - b[1].at)),
    impressions: new TrackedMap(copy.impressions.sort((a, b) => a[1] - b[1])),
    clicksAwaitingImpression: new TrackedMap(copy.clicksAwaitingImpression),
    clickTimes: new TrackedMap(copy.clickTimes),
    sourceEvents: new TrackedMap(copy.sourceEvents),
    lastClick: new TrackedMap(copy.lastClick),
    rates: new TrackedMap(copy.rates),
    conversions: new TrackedMap(copy.conversions),
    subjectSources: new TrackedMap(copy.subjectSources),
    flagged: new TrackedMap(copy.flagged),
    maxEventTime: copy.maxEventTime ?? Number.NEGATIVE_INFINITY,
    // When the next prune comes depends on it, and a prune changes what later rules see: keep it exact.
    sincePrune: copy.sincePrune ?? 0,
  };
}

/** The names of the state's tables (one keyed table each). */
export const FRAUD_STATE_TABLES = [
  'events',
  'impressions',
  'clicksAwaitingImpression',
  'clickTimes',
  'sourceEvents',
  'lastClick',
  'rates',
  'conversions',
  'subjectSources',
  'flagged',
] as const;

/** One of the state's tables. */
export type FraudStateTable = (typeof FRAUD_STATE_TABLES)[number];

/** A row changed since the last drain; `value` undefined means deleted. */
export interface FraudStateChange {
  table: FraudStateTable | 'meta';
  key: string;
  value: unknown;
}

/** The rows changed since the last call (for a store that writes only what changed). */
export function drainFraudStateChanges(state: FraudState): FraudStateChange[] {
  const changes: FraudStateChange[] = [];
  for (const table of FRAUD_STATE_TABLES) {
    for (const [key, value] of state[table].drainChanges()) changes.push({ table, key, value });
  }
  changes.push({
    table: 'meta',
    key: 'maxEventTime',
    value: Number.isFinite(state.maxEventTime) ? state.maxEventTime : null,
  });
  changes.push({ table: 'meta', key: 'sincePrune', value: state.sincePrune });
  return changes;
}
