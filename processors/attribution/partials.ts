/** Partial aggregate rows of one input partition, and their merge into restated aggregates. */
import { z } from 'zod';
import type { AttributionAggregate, AttributionModel } from '../../schema/index.ts';
import { emptyRow, toAggregate } from './aggregates.ts';
import type { AggregateRow } from './aggregates.ts';
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
  addModelSums(into.models, from.models, ['conversions', 'revenue']);
}

/** Adds every model's sums of `from` into `into`, field by field; a model `into` lacks starts at zero. */
function addModelSums<Sums extends Record<Field, number>, Field extends keyof Sums>(
  into: Partial<Record<AttributionModel, Sums>>,
  from: Partial<Record<AttributionModel, Sums>>,
  fields: readonly Field[],
): void {
  for (const model of ATTRIBUTION_MODELS) {
    const sums = from[model];
    if (sums === undefined) continue;
    const target = (into[model] ??= Object.fromEntries(fields.map((field) => [field, 0])) as Sums);
    for (const field of fields) (target[field] as number) += sums[field];
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
    addModelSums(merged.models, row.models, ['conversions', 'revenue', 'directRevenue', 'haloRevenue']);
  }
  return merged;
}

/** The restated aggregates (every model) of a merged row. */
export function aggregatesOf(row: AggregateRow, withHoldout: boolean): AttributionAggregate[] {
  return ATTRIBUTION_MODELS.map((model) => toAggregate(row, model, withHoldout));
}
