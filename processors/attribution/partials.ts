/** Partial aggregate rows of one input partition, and their merge into restated aggregates. */
import { z } from 'zod';
import type { AttributionAggregate } from '../../schema/index.ts';
import { toAggregate } from './aggregates.ts';
import type { AggregateRow, ModelSums } from './aggregates.ts';
import { ATTRIBUTION_MODELS } from './models.ts';

const sumsSchema = z.object({
  conversions: z.number(),
  revenue: z.number(),
  directRevenue: z.number(),
  haloRevenue: z.number(),
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
    version: z.number().int(),
  }),
});

/** A partial row. */
export type PartialRow = z.infer<typeof partialRowSchema>;

/** Sums rows of the same key from different partitions (every count is additive across partitions). */
export function mergeRows(rows: readonly AggregateRow[], version: number): AggregateRow | undefined {
  const first = rows[0];
  if (first === undefined) return undefined;
  const merged: AggregateRow = {
    campaignId: first.campaignId,
    day: first.day,
    channel: first.channel,
    exposedSubjects: 0,
    ghostSubjects: 0,
    convertingSubjects: 0,
    ghostConverters: 0,
    spend: 0,
    models: {},
    version,
  };
  for (const row of rows) {
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
