/**
 * The rules of a bid multiplier: pure functions from counts to factors, each with its reason. They are part of
 * the `cleanroom.bids` contract, so they live beside it: the bidding stage applies them to exact counts for the
 * host's ad server, and the gateway applies the very same rules to a brand's noised counts (post-processing of a
 * differentially private release), so the two views differ only by the noise.
 *
 * The multiplier is the product of the factors, clamped to [0, {@link BID_RULES.maxMultiplier}]:
 *
 * - conversion rate: the placement's clicks-to-conversion rate against the campaign's over every placement,
 *   shrunk towards the campaign's rate by `priorClicks` pseudo-clicks (a placement with few clicks stays near 1),
 *   clamped to [0.5, 2]; neutral until the campaign has `minClicks` clicks and a conversion;
 * - stock: the share of the campaign's lines (product x region) in stock; 0 when every line is out;
 * - invalid traffic: 1 - 2 x the placement's invalid share of ad events (a quarter invalid halves the bid, half
 *   or more stops it); neutral below `minAdEvents` ad events;
 * - pacing: even daily pacing against the campaign's daily budget: planned spend = budget x share of the UTC day
 *   gone (at least an hour's worth); factor = planned / spent clamped to [0.5, 1.5]; 0 once the day's budget is
 *   spent; neutral without a budget;
 * - flight: 0 outside the campaign's flight (startsAt..endsAt).
 */
import type { BidReason } from './topics.ts';

/** The rules' constants. */
export const BID_RULES = {
  minClicks: 20,
  priorClicks: 20,
  minConversionFactor: 0.5,
  maxConversionFactor: 2,
  minAdEvents: 50,
  minPacingFactor: 0.5,
  maxPacingFactor: 1.5,
  maxMultiplier: 3,
  /** A new record is written when the multiplier or a factor moves by at least this much. */
  minMove: 0.05,
} as const;

/**
 * The most one contributor adds to the running totals brands are answered from: ad events, clicks and conversions
 * per campaign over the stage's lifetime (the totals never reset, so a window's release must cover all of a
 * contributor's past), spend per campaign and UTC day (it feeds today's spend, which resets each day).
 */
export interface BidContributionBounds {
  adEvents: number;
  clicks: number;
  conversions: number;
  /** In currency, per UTC day. */
  spend: number;
}

/** Default contribution bounds of the bidding stage. */
export const DEFAULT_BID_BOUNDS: BidContributionBounds = {
  adEvents: 100,
  clicks: 10,
  conversions: 5,
  spend: 5,
};

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));
const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** Clicks and the conversions credited to them (last valid click within the campaign's click lookback). */
export interface ClickCounts {
  clicks: number;
  conversions: number;
}

/** The placement's conversion rate against the campaign's. */
export function conversionReason(placement: ClickCounts, campaign: ClickCounts): BidReason {
  const observed = {
    placementClicks: round(placement.clicks, 2),
    placementConversions: round(placement.conversions, 2),
    campaignClicks: round(campaign.clicks, 2),
    campaignConversions: round(campaign.conversions, 2),
  };
  if (campaign.clicks < BID_RULES.minClicks || campaign.conversions <= 0) {
    return { code: 'conversion_rate', factor: 1, note: 'not enough clicks and conversions yet', observed };
  }
  const campaignRate = campaign.conversions / campaign.clicks;
  const clicks = Math.max(0, placement.clicks);
  const smoothed =
    (Math.max(0, placement.conversions) + BID_RULES.priorClicks * campaignRate) /
    (clicks + BID_RULES.priorClicks);
  const factor = round(
    clamp(smoothed / campaignRate, BID_RULES.minConversionFactor, BID_RULES.maxConversionFactor),
    2,
  );
  const note =
    factor > 1
      ? 'converts better than the campaign'
      : factor < 1
        ? 'converts worse than the campaign'
        : 'converts as the campaign does';
  return {
    code: 'conversion_rate',
    factor,
    note,
    observed: {
      ...observed,
      placementRate: round(smoothed, 4),
      campaignRate: round(campaignRate, 4),
    },
  };
}

/** Lines (product x region) of the campaign's products that the inventory stage reported, and those in stock. */
export interface StockLines {
  linesKnown: number;
  linesInStock: number;
}

/** The share of the campaign's lines in stock. */
export function stockReason(stock: StockLines): BidReason {
  const observed = { linesKnown: stock.linesKnown, linesInStock: stock.linesInStock };
  if (stock.linesKnown <= 0) return { code: 'stock', factor: 1, note: 'no stock reported', observed };
  const share = clamp(stock.linesInStock / stock.linesKnown, 0, 1);
  const factor = round(share, 2);
  const note =
    factor === 0 ? 'every line out of stock' : factor < 1 ? 'some lines out of stock' : 'every line in stock';
  return { code: 'stock', factor, note, observed: { ...observed, inStockShare: round(share, 4) } };
}

/** Ad events of a placement and those with an invalid-traffic verdict. */
export interface TrafficCounts {
  adEvents: number;
  invalidAdEvents: number;
}

/** The placement's invalid-traffic share. */
export function invalidTrafficReason(traffic: TrafficCounts): BidReason {
  const observed = {
    adEvents: round(traffic.adEvents, 2),
    invalidAdEvents: round(traffic.invalidAdEvents, 2),
  };
  if (traffic.adEvents < BID_RULES.minAdEvents) {
    return { code: 'invalid_traffic', factor: 1, note: 'not enough ad events yet', observed };
  }
  const share = clamp(traffic.invalidAdEvents / traffic.adEvents, 0, 1);
  const factor = round(clamp(1 - 2 * share, 0, 1), 2);
  const note =
    factor === 0
      ? 'half or more of the traffic is invalid'
      : share > 0
        ? 'invalid traffic on this placement'
        : 'no invalid traffic';
  return { code: 'invalid_traffic', factor, note, observed: { ...observed, invalidShare: round(share, 4) } };
}

/** The campaign's spend on the UTC day of `atMs` against its daily budget. */
export interface PacingInput {
  dailyBudget: number | undefined;
  spentToday: number;
  atMs: number;
}

/** Even daily pacing against the campaign's daily budget. */
export function pacingReason(input: PacingInput): BidReason {
  const spent = round(Math.max(0, input.spentToday), 2);
  if (input.dailyBudget === undefined || input.dailyBudget <= 0) {
    return { code: 'pacing', factor: 1, note: 'no daily budget', observed: { spentToday: spent } };
  }
  const budget = input.dailyBudget;
  const dayShare = Math.max(HOUR_MS, (((input.atMs % DAY_MS) + DAY_MS) % DAY_MS) + 1) / DAY_MS;
  const planned = budget * dayShare;
  const observed = { dailyBudget: budget, spentToday: spent, plannedByNow: round(planned, 2) };
  if (spent >= budget) return { code: 'pacing', factor: 0, note: "the day's budget is spent", observed };
  const factor =
    spent <= 0
      ? BID_RULES.maxPacingFactor
      : round(clamp(planned / spent, BID_RULES.minPacingFactor, BID_RULES.maxPacingFactor), 2);
  const note = factor > 1 ? 'behind the flight plan' : factor < 1 ? 'ahead of the flight plan' : 'on plan';
  return { code: 'pacing', factor, note, observed };
}

/** Whether `atMs` is inside the campaign's flight. */
export function flightReason(
  flight: { startsAt: string; endsAt?: string | undefined },
  atMs: number,
): BidReason {
  const startsMs = Date.parse(flight.startsAt);
  const endsMs = flight.endsAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(flight.endsAt);
  const inside = atMs >= startsMs && atMs < endsMs;
  return {
    code: 'flight',
    factor: inside ? 1 : 0,
    note: inside ? 'in flight' : atMs < startsMs ? 'flight not started' : 'flight ended',
    observed: {},
  };
}

/** The multiplier of a set of reasons: their factors' product, clamped to [0, maxMultiplier], two decimals. */
export function multiplierOf(reasons: readonly BidReason[]): number {
  const product = reasons.reduce((value, reason) => value * reason.factor, 1);
  return round(clamp(product, 0, BID_RULES.maxMultiplier), 2);
}

/** Whether a new multiplier moved far enough from the last one written (or a factor did) to write it. */
export function movedEnough(
  last: { multiplier: number; factors: Record<string, number> } | undefined,
  multiplier: number,
  reasons: readonly BidReason[],
): boolean {
  if (last === undefined) return true;
  if (Math.abs(last.multiplier - multiplier) >= BID_RULES.minMove) return true;
  // A factor falling to 0 or leaving 0 always counts (a stop or a restart of bidding).
  return reasons.some((reason) => {
    const before = last.factors[reason.code];
    return (
      before === undefined ||
      Math.abs(before - reason.factor) >= BID_RULES.minMove ||
      (before === 0) !== (reason.factor === 0)
    );
  });
}
