/** Thresholds of the invalid-traffic detector, all in one place (DESIGN.md section 7). */
import type { Placement } from '../../schema/index.ts';

/** Every threshold of the fraud processor. Durations are milliseconds of event time. */
export interface FraudConfig {
  /** Clicks per ip hash and per device hash in a sliding window. */
  clickFrequency: { windowMs: number; maxClicksPerIp: number; maxClicksPerDevice: number };
  /** Click velocity: the median gap of a source's last clicks in one session. */
  velocity: { minClicks: number; maxMedianGapMs: number; sessionGapMs: number; maxClicksConsidered: number };
  /** Same subject, campaign and creative clicked again within this time. */
  duplicateClickWindowMs: number;
  /** A click sooner than this after its impression is not a person's. */
  minTimeToClickMs: number;
  /** Click-through rate of one source on one placement against the placement's norm, in tumbling windows. */
  clickThroughRate: {
    windowMs: number;
    minClicks: number;
    maxRatioToNorm: number;
    placementNorms: Record<Placement, number>;
  };
  /** Sources with many clicks and no conversion by any subject that clicked from them. */
  noConversion: { windowMs: number; minClicks: number };
  /** Placements where a click must name an impression we saw (in-store screens are tapped without one). */
  impressionRequiredPlacements: Placement[];
  /** Placements served by the host's own devices (in-store screens send no browser user agent). */
  nonBrowserExemptPlacements: Placement[];
  /** How long an impression is remembered for matching its clicks. */
  impressionMemoryMs: number;
  /** How long a fraud signal keeps its source's later events invalid. */
  signalTtlMs: number;
  /** Most recent events remembered per source for revising them when the source is found out. */
  maxRevisablePerSource: number;
}

/** The defaults the issue asks for. */
export const DEFAULT_FRAUD_CONFIG: FraudConfig = {
  clickFrequency: { windowMs: 60_000, maxClicksPerIp: 300, maxClicksPerDevice: 300 },
  velocity: { minClicks: 5, maxMedianGapMs: 1_000, sessionGapMs: 30 * 60_000, maxClicksConsidered: 10 },
  duplicateClickWindowMs: 10_000,
  minTimeToClickMs: 1_000,
  clickThroughRate: {
    windowMs: 60 * 60_000,
    minClicks: 10,
    maxRatioToNorm: 10,
    placementNorms: { search: 0.03, product_page: 0.02, home: 0.01, app: 0.015, in_store_screen: 0.01 },
  },
  noConversion: { windowMs: 24 * 60 * 60_000, minClicks: 100 },
  impressionRequiredPlacements: ['search', 'product_page', 'home', 'app'],
  nonBrowserExemptPlacements: ['in_store_screen'],
  impressionMemoryMs: 24 * 60 * 60_000,
  signalTtlMs: 60 * 60_000,
  maxRevisablePerSource: 1_000,
};

/** A partial configuration: each group may be given in part. */
export type FraudConfigInput = {
  [K in keyof FraudConfig]?: FraudConfig[K] extends unknown[]
    ? FraudConfig[K]
    : FraudConfig[K] extends object
      ? Partial<FraudConfig[K]>
      : FraudConfig[K];
};

/**
 * Fills a partial configuration with the defaults.
 *
 * @example resolveFraudConfig({ clickFrequency: { maxClicksPerIp: 50 } })
 */
export function resolveFraudConfig(input: FraudConfigInput = {}): FraudConfig {
  const d = DEFAULT_FRAUD_CONFIG;
  return {
    clickFrequency: { ...d.clickFrequency, ...input.clickFrequency },
    velocity: { ...d.velocity, ...input.velocity },
    duplicateClickWindowMs: input.duplicateClickWindowMs ?? d.duplicateClickWindowMs,
    minTimeToClickMs: input.minTimeToClickMs ?? d.minTimeToClickMs,
    clickThroughRate: {
      ...d.clickThroughRate,
      ...input.clickThroughRate,
      placementNorms: { ...d.clickThroughRate.placementNorms, ...input.clickThroughRate?.placementNorms },
    },
    noConversion: { ...d.noConversion, ...input.noConversion },
    impressionRequiredPlacements: input.impressionRequiredPlacements ?? d.impressionRequiredPlacements,
    nonBrowserExemptPlacements: input.nonBrowserExemptPlacements ?? d.nonBrowserExemptPlacements,
    impressionMemoryMs: input.impressionMemoryMs ?? d.impressionMemoryMs,
    signalTtlMs: input.signalTtlMs ?? d.signalTtlMs,
    maxRevisablePerSource: input.maxRevisablePerSource ?? d.maxRevisablePerSource,
  };
}
