/** Plain, serializable state of the attribution engine for the subjects of one input partition. */
import type { AttributionCredit } from '../../schema/index.ts';
import type { CampaignLedger } from './bounded.ts';
import type { ConversionLine } from './matching.ts';

/** An impression or click the subject saw. */
export interface ExposureRecord {
  eventId: string;
  campaignId: string;
  type: 'impression' | 'click';
  at: number;
  day: string;
  /** `store` for in-store screens, else `online`. */
  channel: 'online' | 'store';
  cost: number;
  /** Whether it is counted in the exposure aggregates now (valid as far as we know). */
  counted: boolean;
  /** Whether it was counted as a ghost (held-out subject) rather than a treatment exposure. */
  countedAsGhost: boolean;
}

/** A purchase the subject made, with line revenue net of returns. */
export interface ConversionRecord {
  eventId: string;
  at: number;
  day: string;
  channel: 'online' | 'store';
  lines: ConversionLine[];
}

/** Credits last published for one conversion and campaign, and the direct share of their revenue. */
export interface PublishedCredits {
  byId: Record<string, AttributionCredit>;
  directShare: number;
}

/** Everything kept about one subject. */
export interface SubjectState {
  /** Ascending by time. */
  exposures: ExposureRecord[];
  conversions: ConversionRecord[];
  /** Latest verdict per exposure event id; it may arrive before the exposure itself. */
  verdicts: Record<string, { revision: number; valid: boolean; at: number }>;
  /** The credits last published per `conversionEventId|campaignId`. */
  credits: Record<string, PublishedCredits>;
  /** Return events already applied (a redelivered return is not applied twice). */
  appliedReturns: Record<string, true>;
  /** The subject's reference counts in aggregate rows' distinct counts, by `row key:counter`. */
  rowRefs: Record<string, number>;
  /** Holdout conversions last counted per `conversionEventId|campaignId` (ghost touches in lookback). */
  ghostConversions: Record<string, true>;
  /**
   * Per campaign: the subject's own slice of each cell and its published bounded contributions (bounded.ts).
   * Survives pruning; absent on state stored before contribution bounds existed.
   */
  ledger?: Record<string, CampaignLedger>;
  /** The contribution bounds `ledger.published` was computed with (JSON), to restate after they change. */
  ledgerBounds?: string;
}

/** A fresh subject state. */
export function createSubjectState(): SubjectState {
  return {
    exposures: [],
    conversions: [],
    verdicts: {},
    credits: {},
    appliedReturns: {},
    rowRefs: {},
    ghostConversions: {},
    ledger: {},
  };
}
