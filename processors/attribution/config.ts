/** Settings of the attribution engine. Durations are milliseconds of event time. */
import { DEFAULT_HOST_CONFIG } from '../../policies/contracts/index.ts';
import type { HostConfig } from '../../policies/contracts/index.ts';

/** Per-subject clamps of the bounded sums (the host configuration's `privacy.contributionBounds`). */
export type ContributionBounds = HostConfig['privacy']['contributionBounds'];

/** Attribution settings (lookbacks themselves are per campaign, on `cleanroom.campaigns`). */
export interface AttributionConfig {
  /** Half-life of the time-decay model (default 7 days). */
  halfLifeMs: number;
  /** How long exposures are kept: at least the longest lookback of any campaign (default 30 days). */
  exposureRetentionMs: number;
  /** How long purchases are kept for late exposures, late verdicts and returns (default 30 days). */
  conversionRetentionMs: number;
  /** Events this far behind the greatest event time still update state (default 1 day). */
  allowedLatenessMs: number;
  /**
   * Clamps of each subject's contribution to the `bounded` sums of a campaign's cells (default: the host
   * configuration's defaults — 3 conversions, 200 revenue, 50 spend per cell, 4 cells per campaign).
   */
  contributionBounds: ContributionBounds;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The defaults. */
export const DEFAULT_ATTRIBUTION_CONFIG: AttributionConfig = {
  halfLifeMs: 7 * DAY_MS,
  exposureRetentionMs: 30 * DAY_MS,
  conversionRetentionMs: 30 * DAY_MS,
  allowedLatenessMs: DAY_MS,
  contributionBounds: DEFAULT_HOST_CONFIG.privacy.contributionBounds,
};

/** Milliseconds in a day (lookbacks are given in days). */
export const MS_PER_DAY = DAY_MS;

/** The UTC calendar day of an event time. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
