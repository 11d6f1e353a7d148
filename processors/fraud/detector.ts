/**
 * The invalid-traffic detector: a verdict for every ad event, fraud signals for spikes, and revisions when a
 * later finding changes an earlier verdict. Deterministic and event-time only: the same input order gives the
 * same output, and no wall clock is read.
 */
import type { AdCleanEvent, CleanEvent } from '../../schema/index.ts';
import {
  checkClickFrequency,
  checkClickThroughRate,
  checkClickVelocity,
  checkNoConversion,
  countConversion,
  countImpression,
  rateSources,
} from './behaviour-rules.ts';
import type { ClickFacts } from './behaviour-rules.ts';
import { resolveFraudConfig } from './config.ts';
import type { FraudConfig, FraudConfigInput } from './config.ts';
import { verdictOf } from './context.ts';
import type { DetectorContext, FraudOutput } from './context.ts';
import { duplicateReasons, flaggedReasons, givtReasons, impressionReasons } from './event-rules.ts';
import { pruneFraudState } from './prune.ts';
import { GIVT_REASONS, SIVT_REASONS } from './reasons.ts';
import { createFraudState, drainFraudStateChanges, restoreFraudState, snapshotFraudState } from './state.ts';
import type { EventMemory, FraudState, FraudStateChange, FraudStateSnapshot } from './state.ts';

/** Options of {@link createFraudDetector}. */
export interface FraudDetectorOptions {
  /** Thresholds; missing ones take {@link DEFAULT_FRAUD_CONFIG}'s values. */
  config?: FraudConfigInput;
  /** A snapshot to resume from. */
  snapshot?: FraudStateSnapshot;
  /** Ad events between two prunes of old state (default 2,000). */
  pruneEvery?: number;
}

/** A stateful detector fed one clean event at a time, in the order of its single input stream. */
export interface FraudDetector {
  readonly config: FraudConfig;
  /** Judges an ad event (and counts a purchase as a conversion of its subject's sources). */
  observe(event: CleanEvent): FraudOutput;
  /** The state as JSON-safe data. */
  snapshot(): FraudStateSnapshot;
  /** State rows changed since the last call (for a store that writes only what changed). */
  drainChanges(): FraudStateChange[];
  /** Number of ad events currently remembered. */
  rememberedEvents(): number;
}

interface SourceKeys {
  ipKey: string | undefined;
  deviceKey: string | undefined;
  prefixKey: string | undefined;
  sourceKey: string;
}

function sourceKeysOf(event: AdCleanEvent): SourceKeys {
  const { ipHash, deviceHash, ipPrefixHash } = event.traffic;
  const ipKey = ipHash === undefined ? undefined : `ip:${ipHash}`;
  const deviceKey = deviceHash === undefined ? undefined : `device:${deviceHash}`;
  const prefixKey = ipPrefixHash === undefined ? undefined : `prefix:${ipPrefixHash}`;
  const subjectKey = `subject:${event.subjectId ?? event.eventId}`;
  return { ipKey, deviceKey, prefixKey, sourceKey: deviceKey ?? ipKey ?? subjectKey };
}

function allKeys(keys: SourceKeys): string[] {
  return [...new Set([keys.ipKey, keys.deviceKey, keys.prefixKey, keys.sourceKey].filter(isDefined))];
}

function resolveWaitingClicks(ctx: DetectorContext, impressionAdEventId: string, impressionAt: number): void {
  const waiting = ctx.state.clicksAwaitingImpression.get(impressionAdEventId);
  if (waiting === undefined) return;
  ctx.state.clicksAwaitingImpression.delete(impressionAdEventId);
  for (const eventId of waiting) {
    const memory = ctx.state.events.get(eventId);
    if (memory === undefined || !memory.reasons.includes(GIVT_REASONS.clickWithoutImpression)) continue;
    const reasons = memory.reasons.filter((reason) => reason !== GIVT_REASONS.clickWithoutImpression);
    if (memory.at - impressionAt < ctx.config.minTimeToClickMs)
      reasons.push(SIVT_REASONS.impossibleTimeToClick);
    memory.reasons = reasons;
    memory.revision += 1;
    ctx.out.verdicts.push(verdictOf(memory));
  }
}

function judgeClick(ctx: DetectorContext, event: AdCleanEvent, at: number, facts: ClickFacts): string[] {
  const reasons = [
    ...impressionReasons(ctx, event, at),
    ...duplicateReasons(ctx, event, at, facts.sourceKey),
    ...checkClickFrequency(ctx, facts),
    ...checkClickVelocity(ctx, facts),
    ...checkClickThroughRate(ctx, facts),
    ...checkNoConversion(ctx, facts),
  ];
  if (event.subjectId !== null) {
    const sources = ctx.state.subjectSources.get(event.subjectId) ?? {};
    sources[facts.sourceKey] = Math.max(sources[facts.sourceKey] ?? at, at);
    ctx.state.subjectSources.set(event.subjectId, sources);
  }
  return reasons;
}

/** Remembers an event under each of its sources, so a later finding about a source can revise it. */
function rememberEvent(
  state: FraudState,
  config: FraudConfig,
  sourceKeys: readonly string[],
  memory: EventMemory,
): void {
  state.events.set(memory.eventId, memory);
  for (const key of sourceKeys) {
    const events = state.sourceEvents.get(key) ?? [];
    events.push(memory.eventId);
    if (events.length > config.maxRevisablePerSource)
      events.splice(0, events.length - config.maxRevisablePerSource);
    state.sourceEvents.set(key, events);
  }
}

/**
 * Creates a detector.
 *
 * @example
 * const detector = createFraudDetector({ config: { clickFrequency: { maxClicksPerIp: 100 } } });
 * const { verdicts, signals } = detector.observe(cleanEvent);
 */
export function createFraudDetector(options: FraudDetectorOptions = {}): FraudDetector {
  const config = resolveFraudConfig(options.config);
  const state = options.snapshot === undefined ? createFraudState() : restoreFraudState(options.snapshot);
  const pruneEvery = options.pruneEvery ?? 2_000;

  function observeAd(ctx: DetectorContext, event: AdCleanEvent): void {
    if (state.events.has(event.eventId)) return; // a redelivered event keeps its verdict
    const at = Date.parse(event.occurredAt);
    state.maxEventTime = Math.max(state.maxEventTime, at);
    const keys = sourceKeysOf(event);
    const { ipKey, deviceKey, prefixKey, sourceKey } = keys;
    const reasons = givtReasons(event, config);
    const memory: EventMemory = {
      eventId: event.eventId,
      adEventId: event.adEventId,
      campaignId: event.campaignId,
      subjectId: event.subjectId,
      occurredAt: event.occurredAt,
      at,
      type: event.type,
      placement: event.placement,
      source: sourceKey,
      revision: 0,
      reasons,
    };
    if (event.type === 'impression') {
      state.impressions.set(event.adEventId, at);
      countImpression(ctx, rateSources(keys), event.placement, at);
      reasons.push(...flaggedReasons(ctx, allKeys(keys), at));
      rememberEvent(state, config, allKeys(keys), memory);
      ctx.out.verdicts.push(verdictOf(memory));
      resolveWaitingClicks(ctx, event.adEventId, at);
    } else {
      // Flags are read before this click's own findings, which may flag its source for the clicks after it.
      reasons.push(...flaggedReasons(ctx, allKeys(keys), at));
      const facts = {
        eventId: event.eventId,
        at,
        placement: event.placement,
        ipKey,
        deviceKey,
        prefixKey,
        sourceKey,
      };
      const found = judgeClick(ctx, event, at, facts);
      for (const reason of found) if (!reasons.includes(reason)) reasons.push(reason);
      // Remembered only now, so the revisions its own findings trigger cover earlier clicks, not this one.
      rememberEvent(state, config, allKeys(keys), memory);
      ctx.out.verdicts.unshift(verdictOf(memory));
    }
    state.sincePrune += 1;
    if (state.sincePrune >= pruneEvery) {
      state.sincePrune = 0;
      pruneFraudState(state, config);
    }
  }

  return {
    config,
    observe(event) {
      const ctx: DetectorContext = { config, state, out: { verdicts: [], signals: [] } };
      if (event.type === 'impression' || event.type === 'click') observeAd(ctx, event);
      else if (event.type === 'purchase' && event.subjectId !== null && event.revenue > 0) {
        countConversion(ctx, event.subjectId, Date.parse(event.occurredAt));
      }
      return ctx.out;
    },
    snapshot: () => snapshotFraudState(state),
    drainChanges: () => drainFraudStateChanges(state),
    rememberedEvents: () => state.events.size,
  };
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
