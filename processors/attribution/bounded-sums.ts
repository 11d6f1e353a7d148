/** The bounded sums of an aggregate row (see bounded.ts for how subjects' contributions are bounded). */
import type { AttributionModel } from '../../schema/index.ts';
import type { ContributionBounds } from './config.ts';

/** Conversions and revenue of one model. */
export interface ModelContribution {
  conversions: number;
  revenue: number;
}

/** A row's bounded sums. */
export interface BoundedSums {
  exposedSubjects: number;
  convertingSubjects: number;
  spend: number;
  models: Partial<Record<AttributionModel, ModelContribution>>;
  /**
   * The bounds the sums were computed with: the element-wise maximum over every update of the row (and, merged,
   * over partitions), so noise scaled to them is never too small even across a change of the host's bounds.
   */
  bounds: ContributionBounds;
}

/** Empty bounded sums under `bounds`. */
export function emptyBoundedSums(bounds: ContributionBounds): BoundedSums {
  return { exposedSubjects: 0, convertingSubjects: 0, spend: 0, models: {}, bounds: { ...bounds } };
}

/** Element-wise maximum of two sets of bounds. */
export function maxBounds(a: ContributionBounds, b: ContributionBounds): ContributionBounds {
  return {
    conversions: Math.max(a.conversions, b.conversions),
    revenue: Math.max(a.revenue, b.revenue),
    spend: Math.max(a.spend, b.spend),
    cellsPerCampaign: Math.max(a.cellsPerCampaign, b.cellsPerCampaign),
  };
}
