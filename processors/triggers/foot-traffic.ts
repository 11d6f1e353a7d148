/**
 * Foot-traffic surges as a trigger input: a region's zone-sensor entries in an hour against the same hour's
 * baseline, released with differential privacy and published to `cleanroom.triggers` beside the demand triggers.
 *
 * It runs the demand triggers' two stages with a different reading of the input and a different release:
 *
 * - stage 1 (demand.ts's machinery over `cleanroom.instore`): each `foot_traffic` record is its own contributor
 *   with one cell, `foot_traffic|<region>`, and adds min(count, maxEntriesPerRecord) to it — the per-contributor
 *   clamps of demand.ts with maxCategories 1 and maxUnits = maxEntriesPerRecord. Zone entries and shelf
 *   interactions only move time forward. Partials and markers go to `cleanroom.foot-traffic-by-region`.
 * - stage 2 (trigger-processor.ts's window completion): each closed region-window is judged once by
 *   foot-traffic-judge.ts on E' from foot-traffic-mechanism.ts (whose header states the sensitivity and what one
 *   record or one person is protected by). A trigger fires iff E' >= liftThreshold x the seasonal baseline and E'
 *   reaches the entry threshold; its id is `foot-traffic:<region>:<windowStart>`, so each region and window fires
 *   at most once, and a replay repeats it.
 */
import { TOPICS, FOOT_TRAFFIC_CATEGORY, instoreCleanSchema } from '../../schema/topics.ts';
import type { InstoreCleanEvent, Trigger } from '../../schema/topics.ts';
import { MS } from '../runtime/index.ts';
import type { Processor } from '../runtime/index.ts';
import { createCellRepartitioner, demandKey } from './demand.ts';
import type { CellInput, DemandRecord } from './demand.ts';
import { EMPTY_SEASONAL_BASELINE, judgeFootTrafficWindow } from './foot-traffic-judge.ts';
import type { FootTrafficJudgeSettings, SeasonalBaseline } from './foot-traffic-judge.ts';
import { FOOT_TRAFFIC_PRIVACY_DEFAULTS, createFootTrafficMechanism } from './foot-traffic-mechanism.ts';
import type { FootTrafficPrivacySettings } from './foot-traffic-mechanism.ts';
import { createCellJudgeProcessor, firedJudgement, firedWindowFields } from './trigger-processor.ts';
import type { CellJudge } from './trigger-processor.ts';

/** The internal repartition topic of foot traffic (keyed `foot_traffic|region`). */
export const FOOT_TRAFFIC_TOPIC = 'cleanroom.foot-traffic-by-region';

/** Input topic of stage 1. */
export const FOOT_TRAFFIC_INPUT_TOPIC = TOPICS.instore;

/** Settings of the foot-traffic stages (the privacy ones default to the host configuration's). */
export interface FootTrafficOptions
  extends Partial<FootTrafficPrivacySettings>, Partial<FootTrafficJudgeSettings> {
  outputTopic?: string;
}

/** Defaults of {@link FootTrafficOptions}. */
export const FOOT_TRAFFIC_DEFAULTS = {
  ...FOOT_TRAFFIC_PRIVACY_DEFAULTS,
  windowMs: MS.hour,
  /** 1.5x the same hour's baseline: the simulated day's own hour-to-hour wobble stays well under it. */
  liftThreshold: 1.5,
  ewmaAlpha: 0.3,
  seasonWindows: 24,
  /** Two days of history: every hour has a baseline of two earlier days before anything fires. */
  warmupWindows: 48,
  minBaseline: 1,
  outputTopic: TOPICS.triggers,
} as const;

/** Stage 1's reading of `cleanroom.instore`: each sensor record is its own contributor of one region cell. */
export const FOOT_TRAFFIC_INPUT: CellInput<InstoreCleanEvent> = {
  parse: (value) => instoreCleanSchema.parse(JSON.parse(value)),
  eventTime: (event) => Date.parse(event.occurredAt),
  eventId: (event) => event.eventId,
  contributionOf: (event) =>
    event.kind === 'foot_traffic'
      ? {
          contributorId: `record:${event.eventId}`,
          cells: [{ key: demandKey(FOOT_TRAFFIC_CATEGORY, event.region), units: event.count }],
        }
      : null,
};

/** Options of {@link createFootTrafficRepartitioner}. */
export interface FootTrafficRepartitionerOptions {
  /** Partitions of the input topic; may be filled in after creation (read each time a window closes). */
  inputPartitions: number;
  /** Partitions of the repartition topic; likewise. */
  demandPartitions: number;
  /** Tumbling window size (default 1 hour); stage 2 must use the same. */
  windowMs?: number;
  allowedLatenessMs?: number;
  /** Clamp of one sensor record's count (default: the host default, 100). */
  maxEntriesPerRecord?: number;
  outputTopic?: string;
}

/** Create stage 1 (input: `cleanroom.instore`; output: the foot-traffic repartition topic). */
export function createFootTrafficRepartitioner(
  options: FootTrafficRepartitionerOptions,
): Processor<InstoreCleanEvent> {
  return createCellRepartitioner(
    {
      get inputPartitions() {
        return options.inputPartitions;
      },
      get demandPartitions() {
        return options.demandPartitions;
      },
      ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
      ...(options.allowedLatenessMs === undefined ? {} : { allowedLatenessMs: options.allowedLatenessMs }),
      // A record is a contributor of one cell: its count clamped, once.
      maxUnitsPerBuyer: options.maxEntriesPerRecord ?? FOOT_TRAFFIC_DEFAULTS.maxEntriesPerRecord,
      maxCategoriesPerBuyer: 1,
      outputTopic: options.outputTopic ?? FOOT_TRAFFIC_TOPIC,
    },
    FOOT_TRAFFIC_INPUT,
  );
}

/** Create stage 2 (input: the foot-traffic repartition topic; output: `cleanroom.triggers`). */
export function createFootTrafficProcessor(
  options: FootTrafficOptions & { noiseKey: Uint8Array },
): Processor<DemandRecord> {
  const { noiseKey, ...rest } = options;
  const settings = { ...FOOT_TRAFFIC_DEFAULTS, ...rest };
  const mechanism = createFootTrafficMechanism(noiseKey, settings);
  const judge: CellJudge = (ctx, key, start, historyStart, window) => {
    const state = ctx.stateOf.forKey(key);
    const judgement = firedJudgement(
      state,
      judgeFootTrafficWindow(
        {
          key,
          windowStart: start,
          boundedEntries: window.boundedUnits,
          baseline: state.get<SeasonalBaseline>('baseline') ?? EMPTY_SEASONAL_BASELINE,
          historyStart,
        },
        settings,
        mechanism,
      ),
    );
    if (judgement === null) return;
    const region = key.slice(key.indexOf('|') + 1);
    const windowStart = new Date(start).toISOString();
    const { hostOnly, ...fired } = firedWindowFields(start, settings.windowMs, judgement, window);
    const trigger: Trigger = {
      triggerId: `foot-traffic:${region}:${windowStart}`,
      input: 'foot_traffic',
      category: FOOT_TRAFFIC_CATEGORY,
      region,
      ...fired,
      // Sensor counts name no one: there are no buyers. The released count is `observed`; in `hostOnly` the
      // "buyers" are sensor records and the units their entries before and after the per-record clamp.
      distinctBuyers: 0,
      footTrafficMechanism: { ...mechanism.parameters, seasonWindows: settings.seasonWindows },
      hostOnly,
    };
    ctx.emit({ topic: settings.outputTopic, key, value: trigger, outputId: trigger.triggerId });
  };
  return createCellJudgeProcessor(settings.windowMs, judge);
}
