/** Partial aggregate rows of one input partition, and their merge into restated aggregates. */
import { z } from 'zod';
import type { AttributionAggregate } from '../../schema/index.ts';
import { emptyRow, toAggregate } from './aggregates.ts';
import type { AggregateRow, ModelSums } from './aggregates.ts';
import { maxBounds } from './bounded-sums.ts';
import type { BoundedSums } from './bounded-sums.ts';
import { DEFAULT_ATTRIBUTION_CONFIG } from './config.ts';
import { ATTRIBUTION_MODELS } from './models.ts';

const sumsSchema = z.object({
  conversions: z.number(),
  revenue: z.number(),
  directRevenue: z.number(),
  haloRevenue: z.number(),
});

const boundedSchema = z.object({
  exposedSubjects: z.number().int(),
  convertingSubjects: z.number().int(),
  spend: z.number(),
  models: z.partialRecord(
    z.enum(ATTRIBUTION_MODELS as [string, ...string[]]),
    z.object({ conversions: z.number(), revenue: z.number() }),
  ),
  bounds: z.object({
    conversions: z.number(),
    revenue: z.number(),
    spend: z.number(),
    cellsPerCampaign: z.number().int(),
  }),
});

/** One partition's row, as published on the partials topic. */
export const partialRowSchema = z.object({
  rowKey: z.string(),
  partition: z.number().int(),
  withHoldout: z.boolean(),
  row: z.object({
    campaignId: z.string(),
    day: z.string(),
    channel: z.enum(['online', 'store']),
    exposedSubjects: z.number().int(),
    ghostSubjects: z.number().int(),
    convertingSubjects: z.number().int(),
    ghostConverters: z.number().int(),
    spend: z.number(),
    models: z.partialRecord(z.enum(ATTRIBUTION_MODELS as [string, ...string[]]), sumsSchema),
    bounded: boundedSchema,
    version: z.number().int(),
  }),
});

/** A partial row. */
export type PartialRow = z.infer<typeof partialRowSchema>;

/** Adds one partition's bounded sums into `into` (a row stored before bounds existed adds nothing). */
function addBounded(into: BoundedSums, from: BoundedSums | undefined): void {
  if (from === undefined) return;
  into.bounds = maxBounds(into.bounds, from.bounds);
  into.exposedSubjects += from.exposedSubjects;
  into.convertingSubjects += from.convertingSubjects;
  into.spend += from.spend;
  for (const model of ATTRIBUTION_MODELS) {
    const sums = from.models[model];
    if (sums === undefined) continue;
    const target = (into.models[model] ??= { conversions: 0, revenue: 0 });
    target.conversions += sums.conversions;
    target.revenue += sums.revenue;
  }
}

/** Sums rows of the same key from different partitions (every count is additive across partitions). */
export function mergeRows(rows: readonly AggregateRow[], version: number): AggregateRow | undefined {
  const first = rows[0];
  if (first === undefined) return undefined;
  // The bounds start from the partitions' own (their maximum), not from this process's configuration.
  const withBounds = rows.find((row) => row.bounded !== undefined)?.bounded;
  const merged = emptyRow(
    first,
    withBounds?.bounds ?? DEFAULT_ATTRIBUTION_CONFIG.contributionBounds,
    version,
  );
  for (const row of rows) {
    addBounded(merged.bounded, row.bounded as BoundedSums | undefined);
    merged.exposedSubjects += row.exposedSubjects;
    merged.ghostSubjects += row.ghostSubjects;
    merged.convertingSubjects += row.convertingSubjects;
    merged.ghostConverters += row.ghostConverters;
    merged.spend += row.spend;
    for (const model of ATTRIBUTION_MODELS) {
      const sums = row.models[model];
      if (sums === undefined) continue;
      const into: ModelSums = merged.models[model] ?? {
        conversions: 0,
        revenue: 0,
        directRevenue: 0,
        haloRevenue: 0,
      };
      into.conversions += sums.conversions;
      into.revenue += sums.revenue;
      into.directRevenue += sums.directRevenue;
      into.haloRevenue += sums.haloRevenue;
      merged.models[model] = into;
    }
  }
  return merged;
}

/** The restated aggregates (every model) of a merged row. */
export function aggregatesOf(row: AggregateRow, withHoldout: boolean): AttributionAggregate[] {
  return ATTRIBUTION_MODELS.map((model) => toAggregate(row, model, withHoldout));
}
