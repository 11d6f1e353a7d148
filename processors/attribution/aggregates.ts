/**
 * Aggregates per campaign, day, channel and model, kept incrementally from credit and exposure changes.
 * Distinct-subject counts are kept as numbers in the row plus a per-subject reference count in the subject's
 * own state, so a row stays small and a retraction takes a subject out exactly when its last contribution
 * goes. Every count is additive across input partitions (a subject lives in exactly one).
 */
import type { AttributionAggregate, AttributionCredit, AttributionModel } from '../../schema/index.ts';
import { emptyBoundedSums } from './bounded-sums.ts';
import type { BoundedSums } from './bounded-sums.ts';
import { DEFAULT_ATTRIBUTION_CONFIG } from './config.ts';
import type { ContributionBounds } from './config.ts';
import { ATTRIBUTION_MODELS } from './models.ts';

/** Sums of one model in one row. */
export interface ModelSums {
  conversions: number;
  revenue: number;
  directRevenue: number;
  haloRevenue: number;
}

/** One row: a campaign, a day and a channel (of one input partition's subjects). */
export interface AggregateRow {
  campaignId: string;
  day: string;
  channel: 'online' | 'store';
  exposedSubjects: number;
  ghostSubjects: number;
  convertingSubjects: number;
  ghostConverters: number;
  spend: number;
  models: Partial<Record<AttributionModel, ModelSums>>;
  /** The same measures after per-subject contribution bounds (see bounded.ts). */
  bounded: BoundedSums;
  /** Incremented each time the row is flushed. */
  version: number;
}

/** Where rows live (a map in memory, or the processor's keyed state). */
export interface RowAccess {
  get(rowKey: string): AggregateRow | undefined;
  put(rowKey: string, row: AggregateRow): void;
}

/** The rows, the keys changed since the last flush, and the contribution bounds in force. */
export interface AggregateStore {
  rows: RowAccess;
  dirty: Set<string>;
  bounds: ContributionBounds;
}

/** Rows held in a plain object (tests, benchmarks, single-process runs). */
export function createAggregateStore(
  rows: Record<string, AggregateRow> = {},
  bounds: ContributionBounds = DEFAULT_ATTRIBUTION_CONFIG.contributionBounds,
): AggregateStore {
  return {
    rows: { get: (rowKey) => rows[rowKey], put: (rowKey, row) => void (rows[rowKey] = row) },
    dirty: new Set(),
    bounds,
  };
}

/** Where a contribution lands. */
export interface RowRef {
  campaignId: string;
  day: string;
  channel: 'online' | 'store';
}

type Counter = 'exposedSubjects' | 'ghostSubjects' | 'convertingSubjects' | 'ghostConverters';

/** A row of `ref` with every count at zero. */
export function emptyRow(ref: RowRef, bounds: ContributionBounds, version: number): AggregateRow {
  return {
    campaignId: ref.campaignId,
    day: ref.day,
    channel: ref.channel,
    exposedSubjects: 0,
    ghostSubjects: 0,
    convertingSubjects: 0,
    ghostConverters: 0,
    spend: 0,
    models: {},
    bounded: emptyBoundedSums(bounds),
    version,
  };
}

/** Changes a row (creating it if new) and marks it for the next flush. */
export function updateRow(store: AggregateStore, ref: RowRef, change: (row: AggregateRow) => void): void {
  const rowKey = `${ref.campaignId}:${ref.day}:${ref.channel}`;
  const row = store.rows.get(rowKey) ?? emptyRow(ref, store.bounds, 0);
  // A row stored before contribution bounds existed starts its bounded sums now.
  row.bounded ??= emptyBoundedSums(store.bounds);
  change(row);
  store.rows.put(rowKey, row);
  store.dirty.add(rowKey);
}

/** Counts a subject in (delta 1) or out of (delta -1) a row's distinct count, via its own reference counts. */
export function countSubject(
  store: AggregateStore,
  refs: Record<string, number>,
  ref: RowRef,
  counter: Counter,
  delta: 1 | -1,
  spend = 0,
): void {
  const refKey = `${ref.campaignId}:${ref.day}:${ref.channel}:${counter}`;
  const before = refs[refKey] ?? 0;
  const after = Math.max(0, before + delta);
  if (after === 0) delete refs[refKey];
  else refs[refKey] = after;
  const distinctDelta = (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
  if (distinctDelta === 0 && spend === 0) return;
  updateRow(store, ref, (row) => {
    row[counter] += distinctDelta;
    row.spend += spend;
  });
}

/** Adds (sign 1) or removes (sign -1) a credit's contribution. `directShare` is direct / matched revenue. */
export function countCredit(
  store: AggregateStore,
  credit: AttributionCredit,
  directShare: number,
  sign: 1 | -1,
): void {
  updateRow(store, credit, (row) => {
    const sums = row.models[credit.model] ?? { conversions: 0, revenue: 0, directRevenue: 0, haloRevenue: 0 };
    sums.conversions += sign * credit.weight;
    sums.revenue += sign * credit.revenue;
    sums.directRevenue += sign * credit.revenue * directShare;
    sums.haloRevenue += sign * credit.revenue * (1 - directShare);
    row.models[credit.model] = sums;
  });
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;

/** The aggregate record of one row under one model. */
export function toAggregate(
  row: AggregateRow,
  model: AttributionModel,
  withHoldout: boolean,
): AttributionAggregate {
  const sums = row.models[model] ?? { conversions: 0, revenue: 0, directRevenue: 0, haloRevenue: 0 };
  const aggregate: AttributionAggregate = {
    kind: 'aggregate',
    aggregateId: `agg:${row.campaignId}:${row.day}:${row.channel}:${model}`,
    version: row.version,
    campaignId: row.campaignId,
    day: row.day,
    channel: row.channel,
    model,
    exposedSubjects: row.exposedSubjects,
    convertingSubjects: row.convertingSubjects,
    conversions: round(sums.conversions),
    revenue: round(sums.revenue),
    directRevenue: round(sums.directRevenue),
    haloRevenue: round(sums.haloRevenue),
    spend: round(row.spend),
    bounded: boundedOf(row.bounded, model),
  };
  if (withHoldout) {
    aggregate.holdout = holdoutReport(
      row.exposedSubjects,
      row.convertingSubjects,
      row.ghostSubjects,
      row.ghostConverters,
    );
  }
  return aggregate;
}

/** The bounded block of one model's aggregate. */
function boundedOf(sums: BoundedSums, model: AttributionModel): NonNullable<AttributionAggregate['bounded']> {
  const modelSums = sums.models[model] ?? { conversions: 0, revenue: 0 };
  return {
    bounds: { ...sums.bounds },
    exposedSubjects: sums.exposedSubjects,
    convertingSubjects: sums.convertingSubjects,
    conversions: round(modelSums.conversions),
    revenue: round(modelSums.revenue),
    spend: round(sums.spend),
  };
}

/**
 * Both groups' conversion rates and the incremental lift (exposed rate / holdout rate - 1, null while no
 * held-out subject converted).
 *
 * @example holdoutReport(100, 12, 100, 8) // { ..., exposedConversionRate: 0.12, holdoutConversionRate: 0.08, lift: 0.5 }
 */
export function holdoutReport(
  exposedSubjects: number,
  exposedConverters: number,
  holdoutSubjects: number,
  holdoutConverters: number,
): NonNullable<AttributionAggregate['holdout']> {
  const exposedConversionRate = exposedSubjects === 0 ? 0 : exposedConverters / exposedSubjects;
  const holdoutConversionRate = holdoutSubjects === 0 ? 0 : holdoutConverters / holdoutSubjects;
  return {
    exposedSubjects,
    exposedConverters,
    holdoutSubjects,
    holdoutConverters,
    exposedConversionRate: round(exposedConversionRate),
    holdoutConversionRate: round(holdoutConversionRate),
    lift: holdoutConversionRate === 0 ? null : round(exposedConversionRate / holdoutConversionRate - 1),
  };
}

/** Rows changed since the last flush, each with its version raised by one. */
export function flushRows(store: AggregateStore): AggregateRow[] {
  const out: AggregateRow[] = [];
  for (const rowKey of store.dirty) {
    const row = store.rows.get(rowKey);
    if (row === undefined) continue;
    row.version += 1;
    store.rows.put(rowKey, row);
    out.push(row);
  }
  store.dirty.clear();
  return out;
}

/** Restated aggregates (every model) of the rows changed since the last flush. */
export function flushAggregates(
  store: AggregateStore,
  hasHoldout: (campaignId: string) => boolean,
): AttributionAggregate[] {
  return flushRows(store).flatMap((row) =>
    ATTRIBUTION_MODELS.map((model) => toAggregate(row, model, hasHoldout(row.campaignId))),
  );
}
