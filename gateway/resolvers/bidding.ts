/**
 * A brand's live view of its campaign's bid multipliers (`bidMultipliers`), and the host's.
 *
 * The host's ad server reads `cleanroom.bids` itself; HOST_ADMIN gets those records as they are (exact, audited).
 * A brand may not: a multiplier's conversion-rate, invalid-traffic and pacing factors come from counts of shoppers'
 * clicks, purchases and ad events, so one shopper's conversion could move them. A brand's answer therefore passes
 * the release step like `campaignMetrics`: decided (the contract names `campaign.bids.subscribe`, the measurement
 * purpose, the campaign is its own) and audited at every push; charged once per budget window; released by
 * continual counting of the stage's contribution-bounded running totals (per placement: ad events, invalid ad
 * events, clicks, conversions; per campaign: distinct contributors, today's spend); and refused below k on the
 * noised contributors. The gateway then applies the very same rules (schema/bid-rules.ts) to the NOISED totals —
 * post-processing, which cannot weaken the guarantee — so no single shopper's conversion can be read off the
 * multipliers. A factor whose noised inputs are not at least three standard deviations of their noise stays
 * neutral ("not enough data for a private estimate"), so noise never passes for a signal. The stock and flight
 * factors hold no shopper: stock by region is taken from the stage's latest record (written for every placement
 * when stock changes), the flight from the campaign's own dates at the release time. Nothing else of a record
 * reaches a brand: not its time (`at` is the release time, and pacing is judged then), which would date the latest
 * shopper's ad event or purchase.
 *
 * Every placement of the network is listed (a public domain), so which rows appear does not depend on the data.
 */
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { governed } from '../governance.ts';
import type { ContractView } from '../ports.ts';
import type { LiveRelease } from '../release/release-step.ts';
import { liveMeasureNoise } from '../release/live-streams.ts';
import type { LiveMeasure, LiveMeasureNoise } from '../release/live-streams.ts';
import { ownsCampaign } from './brand.ts';
import { admitted, pollingStream } from './subscriptions.ts';
import {
  DEFAULT_BID_BOUNDS,
  conversionReason,
  flightReason,
  invalidTrafficReason,
  multiplierOf,
  pacingReason,
  placementSchema,
} from '../../schema/index.ts';
import type { BidContributionBounds, BidMultiplier, BidReason, Placement } from '../../schema/index.ts';

const PLACEMENTS: readonly Placement[] = placementSchema.options;
const WINDOW_DAYS = { day: 1, week: 7, month: 31 } as const;
/** A noised input is used only at or above this many standard deviations of its noise. */
const RELIABLE_SIGMAS = 3;

const neutral = (code: BidReason['code']): BidReason => ({
  code,
  factor: 1,
  note: 'not enough data for a private estimate',
  observed: {},
});

/** The largest bounds in force in the campaign's records (or the stage's defaults, if larger or none yet). */
function boundsOf(records: readonly BidMultiplier[]): BidContributionBounds {
  const bounds = { ...DEFAULT_BID_BOUNDS };
  for (const record of records) {
    const given = record.bounded.bounds;
    bounds.adEvents = Math.max(bounds.adEvents, given.adEvents);
    bounds.clicks = Math.max(bounds.clicks, given.clicks);
    bounds.conversions = Math.max(bounds.conversions, given.conversions);
    bounds.spend = Math.max(bounds.spend, given.spend);
  }
  return bounds;
}

/**
 * The measures of a campaign's stream: fixed names, bounds from public settings only. The bidding stage caps a
 * contributor's ad events, clicks and conversions per campaign over every placement together, so each kind is one
 * group of five placement measures sharing that one bound (and one share of the window's epsilon): noising each
 * placement as if a contributor could reach the bound on every one would spend the epsilon 22 ways for nothing.
 */
export function bidStreamMeasures(bounds: BidContributionBounds, days: number): LiveMeasure[] {
  // Lifetime bounds: the totals never reset, so the stream's first release holds a contributor's whole past.
  const perPlacement = (kind: string, bound: number): LiveMeasure[] =>
    PLACEMENTS.map((placement) => ({ name: `${kind}:${placement}`, unitsPerValue: 1, bound, group: kind }));
  return [
    ...perPlacement('adEvents', bounds.adEvents),
    // A contributor's invalid ad events are among its counted ad events.
    ...perPlacement('invalidAdEvents', bounds.adEvents),
    ...perPlacement('clicks', bounds.clicks),
    ...perPlacement('conversions', bounds.conversions),
    // A contributor is counted once, ever.
    { name: 'contributors', unitsPerValue: 1, bound: 1 },
    // Today's spend resets at each UTC midnight (a budget window starts at one): a contributor adds at most a day's
    // allowance to each day of the window.
    { name: 'spendToday', unitsPerValue: 100, bound: bounds.spend * days },
  ];
}

/**
 * The standard deviation of a released running total, from the stream's public parameters: the binary tree's
 * node noise has scale levels x sensitivity / epsilon (policies/privacy/continual-counter.ts) and a running total
 * adds at most `levels` nodes' noise, each of variance about 2 x scale^2.
 */
function noiseSigma(measure: LiveMeasure, noise: LiveMeasureNoise | undefined, horizon: number): number {
  if (noise === undefined) return Infinity;
  const levels = Math.floor(Math.log2(Math.max(1, horizon))) + 1;
  const scale = (levels * noise.sensitivity) / noise.epsilon;
  return (scale * Math.sqrt(2 * levels)) / measure.unitsPerValue;
}

/**
 * The exact running totals of the campaign's latest records (bounded: what a brand's stream counts). The stage
 * writes a placement's record whenever its bounded totals change, and the input's placement whenever the campaign's
 * contributors or today's spend change, so these are the stage's current totals, whatever the data. Both campaign
 * totals only grow (today's spend within its UTC day): the largest carried is current, and no record of today
 * (`now`) means nothing was spent today.
 */
function totalsOf(records: readonly BidMultiplier[], now: Date): Record<string, number> {
  const totals: Record<string, number> = { contributors: 0, spendToday: 0 };
  const today = now.toISOString().slice(0, 10);
  for (const record of records) {
    const { bounded } = record;
    totals[`adEvents:${record.placement}`] = bounded.adEvents;
    totals[`invalidAdEvents:${record.placement}`] = bounded.invalidAdEvents;
    totals[`clicks:${record.placement}`] = bounded.clicks;
    totals[`conversions:${record.placement}`] = bounded.conversions;
    totals['contributors'] = Math.max(totals['contributors'] ?? 0, bounded.contributors);
    if (record.at.slice(0, 10) === today)
      totals['spendToday'] = Math.max(totals['spendToday'] ?? 0, bounded.spendToday);
  }
  return totals;
}

const toReason = (reason: BidReason) => ({
  code: reason.code.toUpperCase(),
  factor: reason.factor,
  note: reason.note,
});

/** The campaign's bid multipliers as a live release (see the file comment). */
function bidsRelease(
  context: GatewayContext,
  campaignId: string,
  contract: ContractView | undefined,
): LiveRelease<unknown> {
  const records = context.services.readModels.bids(campaignId);
  const campaign = context.services.readModels.campaign(campaignId);
  const days = WINDOW_DAYS[contract?.budgetWindow ?? 'day'];
  const measures = bidStreamMeasures(boundsOf(records), days);
  const latest = [...records].sort((a, b) => a.at.localeCompare(b.at)).at(-1);
  const now = context.services.now();
  // A brand's push says when it was released and judges pacing and the flight at that moment: the time of the
  // stage's latest record is the time of the latest ad event or purchase that moved the campaign, which is data.
  const nowMs = now.getTime();
  // Stock holds no shopper; the stage writes every placement when a line's stock changes, so the latest record
  // carries the current stock whatever the shoppers did.
  const stock = latest?.reasons.find((reason) => reason.code === 'stock') ?? neutral('stock');
  const flight = campaign === undefined ? neutral('flight') : flightReason(campaign, nowMs);

  const noisedView = (values: Record<string, number>) => {
    const { live } = context.services.release;
    const noise = liveMeasureNoise(measures, live.epsilonPerWindow);
    const horizon = contract === undefined ? 1 : live.horizonOf(contract, context.services.now()).ticks;
    const sigma = new Map(
      measures.map((measure) => [measure.name, noiseSigma(measure, noise.get(measure.name), horizon)]),
    );
    const value = (name: string): number => Math.max(0, values[name] ?? 0);
    const reliable = (name: string): boolean =>
      value(name) >= RELIABLE_SIGMAS * (sigma.get(name) ?? Infinity);
    const campaignClicks = PLACEMENTS.reduce((sum, p) => sum + value(`clicks:${p}`), 0);
    const campaignConversions = PLACEMENTS.reduce((sum, p) => sum + value(`conversions:${p}`), 0);
    // The sum of five independent noises: sqrt(5) sigma.
    const sumSigma = (name: string): number =>
      Math.sqrt(PLACEMENTS.length) * (sigma.get(`${name}:search`) ?? Infinity);
    const campaignReliable =
      campaignClicks >= RELIABLE_SIGMAS * sumSigma('clicks') &&
      campaignConversions >= RELIABLE_SIGMAS * sumSigma('conversions');
    const pacing = reliable('spendToday')
      ? pacingReason({
          dailyBudget: campaign?.dailyBudget,
          spentToday: value('spendToday'),
          atMs: nowMs,
        })
      : campaign?.dailyBudget === undefined
        ? pacingReason({ dailyBudget: undefined, spentToday: 0, atMs: nowMs })
        : neutral('pacing');
    return PLACEMENTS.map((placement) => {
      const reasons: BidReason[] = [
        campaignReliable && reliable(`clicks:${placement}`)
          ? conversionReason(
              { clicks: value(`clicks:${placement}`), conversions: value(`conversions:${placement}`) },
              { clicks: campaignClicks, conversions: campaignConversions },
            )
          : neutral('conversion_rate'),
        reliable(`adEvents:${placement}`)
          ? invalidTrafficReason({
              adEvents: value(`adEvents:${placement}`),
              invalidAdEvents: Math.min(
                value(`adEvents:${placement}`),
                value(`invalidAdEvents:${placement}`),
              ),
            })
          : neutral('invalid_traffic'),
        stock,
        pacing,
        flight,
      ];
      return { placement, multiplier: multiplierOf(reasons), reasons: reasons.map(toReason) };
    });
  };

  return {
    kind: 'live',
    streamName: `bids:${campaignId}`,
    countMeasure: 'contributors',
    measures,
    read: () => totalsOf(records, now),
    shape: (values, released) => ({
      campaignId,
      at: released.exact ? (latest?.at ?? now.toISOString()) : now.toISOString(),
      exact: released.exact,
      placements: released.exact
        ? [...records]
            .sort((a, b) => a.placement.localeCompare(b.placement))
            .map((record) => ({
              placement: record.placement,
              multiplier: record.multiplier,
              reasons: record.reasons.map(toReason),
            }))
        : noisedView(values),
      epsilonSpent: released.epsilonSpent,
    }),
  };
}

/** Bidding subscriptions. */
export const biddingResolvers = {
  Subscription: {
    bidMultipliers: {
      subscribe: async (_root: unknown, args: { campaignId: string }, context: GatewayContext) => {
        return admitted(context, 'bidMultipliers', async () => {
          const pushOnce = () => {
            const campaign = context.services.readModels.campaign(args.campaignId);
            const resource = {
              kind: 'campaign',
              id: args.campaignId,
              ...(campaign ? { ownerId: campaign.brand } : {}),
            };
            return governed(context, 'campaign.bids.subscribe', resource, args, (scope) => {
              const { principal, contract } = scope;
              if (!ownsCampaign(principal, contract, args.campaignId, campaign?.brand))
                throw new GatewayError('FORBIDDEN', 'not your campaign');
              return bidsRelease(context, args.campaignId, contract);
            });
          };
          // As campaignMetrics: decided before the subscription is acknowledged, then on a timer.
          return pollingStream(context, pushOnce);
        });
      },
      resolve: (payload: unknown) => payload,
    },
  },
};
