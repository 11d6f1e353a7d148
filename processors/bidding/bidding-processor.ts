/**
 * The bidding stage: a bid multiplier per campaign and placement, with its reasons (schema/bid-rules.ts),
 * recomputed as events arrive, for the host's ad server (`cleanroom.bids`).
 *
 * Inputs (merged layout: one task). A campaign's multiplier joins four inputs that are keyed four different ways
 * — campaigns by campaign, stock by product, ad events and purchases by shopper, IVT verdicts by shopper or event
 * — and its conversion rate needs a shopper's click (partition of the shopper) and the campaign's totals (every
 * shopper) together. Co-partitioning would need a repartition stage and a second hop per campaign total; the state
 * is small (campaigns x placements, plus each shopper's last valid click per campaign), so like inventory the
 * stage runs as ONE task over every partition, taking records in log-time order: campaigns, stock, events, IVT.
 * Its inputs come from three producers (ingest, the fraud detector, the inventory stage), whose records interleave
 * by arrival (processor-host.ts, `compareInputs`): a restart over the same log is exact, but two independent runs
 * may write slightly different records (which record crosses the 0.05 write threshold first), as attribution's
 * restatements may. The counts themselves do not depend on the interleaving, except that a purchase credits a click
 * only once the click's verdict has arrived.
 *
 * What moves a multiplier:
 * - an ad event and its IVT verdict (whichever arrives second applies both): the placement's ad events, invalid
 *   ad events and, for a valid click, its clicks and the shopper's last valid click of the campaign; spend (every
 *   ad event's cost) for pacing;
 * - a purchase by a shopper with measurement consent of a product the campaign promotes, within the campaign's
 *   click lookback of the shopper's last valid click: one conversion of that click's placement (per order);
 * - a region's stock status of a promoted product: the campaign's share of lines in stock;
 * - a campaign record: its flight, products and daily budget.
 *
 * Counts decay with a half-life of event time (`halfLifeMs`, default 12 hours), so the rates are live. Beside them
 * the stage keeps running totals of the ad events whose consent allows measurement (an anonymous event carries the
 * host's default consent), with each contributor's share clamped per campaign (spend: per UTC day; `bounds`):
 * brands are answered from those, noised (gateway), so every change of them is written (a multiplier alone is
 * written only when it moved enough), and every placement is written when stock or the campaign changes. A
 * consent change (`cleanroom.consent`, a fifth input) that withdraws measurement or erases the shopper takes what
 * they added out of those totals again, for good (see `onConsent`). Every output id derives from the input that
 * caused it.
 *
 * State keys: `campaigns` (campaign records), `campaign:<id>` (per placement counters and the last record
 * written, spend of the day, stock lines, the campaign-wide totals last written), `stock:<sku>` (facts and region
 * status), `catalog` (skus), `subject:<id>` (last valid click, and per campaign the contribution so far and to each
 * placement, or that it was withdrawn),
 * `ad:<adEventId>` (an ad event or a verdict waiting for the other).
 */
import {
  DEFAULT_BID_BOUNDS,
  cleanEventSchema,
  campaignInfoSchema,
  consentChangeSchema,
  conversionReason,
  flightReason,
  invalidTrafficReason,
  ivtVerdictSchema,
  movedEnough,
  multiplierOf,
  pacingReason,
  stockReason,
  stockStatusSchema,
} from '../../schema/index.ts';
import type {
  AdCleanEvent,
  BidContributionBounds,
  BidMultiplier,
  BidReason,
  CampaignInfo,
  CleanEvent,
  ConsentChange,
  IvtVerdict,
  Placement,
  PurchaseEvent,
  StockStatus,
} from '../../schema/index.ts';
import { promotes } from '../inventory/index.ts';
import { byKind, stageTopics } from '../runtime/index.ts';
import type { LogRecord, Processor, ProcessorContext, RecordContext } from '../runtime/index.ts';
import { addDecayed, decayedValue } from './decayed-count.ts';
import type { DecayedCount } from './decayed-count.ts';

/** Per contributor and campaign (spend: and UTC day): the most one adds to the running totals brands see. */
export type ContributionBounds = BidContributionBounds;

/** Options of {@link createBiddingProcessor}. */
export interface BiddingProcessorOptions {
  /** Half-life of the live counts in event time (default 12 hours). */
  halfLifeMs?: number;
  bounds?: ContributionBounds;
  /** Topic names (default `cleanroom.*`; a prefix for tests). */
  topics?: {
    campaigns?: string;
    stock?: string;
    events?: string;
    ivt?: string;
    consent?: string;
    bids?: string;
  };
}

/** An input of the stage. */
export type BiddingInput =
  | { kind: 'campaign'; campaign: CampaignInfo }
  | { kind: 'stock'; status: StockStatus }
  | { kind: 'event'; event: CleanEvent }
  | { kind: 'verdict'; verdict: IvtVerdict }
  | { kind: 'consent'; change: ConsentChange };

/** A placement's bounded running totals (the campaign-wide ones are kept apart, in `campaign:<id>` `totals`). */
type PlacementTotals = Pick<
  BidMultiplier['bounded'],
  'adEvents' | 'invalidAdEvents' | 'clicks' | 'conversions'
>;

interface CampaignTotals {
  contributors: number;
  spend: number;
  /** Bounded spend of `day` (UTC). */
  day?: string;
  spendToday?: number;
}

interface PlacementRow {
  adEvents: DecayedCount;
  invalid: DecayedCount;
  clicks: DecayedCount;
  conversions: DecayedCount;
  bounded: PlacementTotals;
  /** What the last record written said, and the running totals it carried. */
  last?: { multiplier: number; factors: Record<string, number>; bounded: PlacementTotals };
}

interface PendingAd {
  event?: {
    placement: Placement;
    /** The shopper, or for an anonymous event its device, its network, or `anonymous`. */
    contributor: string;
    subjectId: string | null;
    cost: number;
    type: 'impression' | 'click';
    at: string;
    /**
     * The event's consent allows measurement (an anonymous event carries the host's default): only then does it
     * count in the bounded totals brands see. Absent in state written before: counted, as it was then.
     */
    measurable?: boolean;
  };
  verdict?: { valid: boolean; campaignId: string };
}

interface ClickRow {
  placement: Placement;
  atMs: number;
}

interface CapRow {
  day: string;
  adEvents: number;
  clicks: number;
  conversions: number;
  /** Bounded spend of `day`. */
  spend: number;
  /** Bounded spend of every day. Absent in state written before: 0. */
  spendTotal?: number;
  /**
   * What this contributor added to each placement's bounded totals, so a withdrawal can take it out again.
   * Absent in state written before: only the contributor count and spend can be taken out then.
   */
  placed?: Partial<Record<Placement, PlacementTotals>>;
  /**
   * The shopper withdrew measurement consent: their contribution was taken out, and they never count for the
   * campaign again (counted, withdrawn, counted again, a shopper would move the totals by more than one bound).
   */
  withdrawn?: boolean;
}

const DAY_MS = 86_400_000;
const EMPTY_COUNT: DecayedCount = { value: 0, atMs: 0 };

/**
 * Whether a placement's bounded running totals changed since its last record. Brands are answered from the latest
 * records, so every change is written: were records written only once the totals had grown by some margin, whether
 * one shopper's ad event crossed the margin would decide whether the brand's totals jumped by every other shopper's
 * events since the last record (up to 10% of them), which no contribution bound covers.
 */
function totalsChanged(last: PlacementTotals | undefined, now: PlacementTotals): boolean {
  return (
    last === undefined ||
    last.adEvents !== now.adEvents ||
    last.invalidAdEvents !== now.invalidAdEvents ||
    last.clicks !== now.clicks ||
    last.conversions !== now.conversions
  );
}

/** The campaign-wide bounded totals the latest record carried. */
interface PublishedTotals {
  contributors: number;
  spendToday: number;
}

/** The stage's topics: those given, `cleanroom.*` for the rest. */
export function biddingTopics(
  given: BiddingProcessorOptions['topics'] = {},
): Required<NonNullable<BiddingProcessorOptions['topics']>> {
  return stageTopics(['campaigns', 'stock', 'events', 'ivt', 'consent', 'bids'], given);
}

const emptyPlacement = (): PlacementRow => ({
  adEvents: EMPTY_COUNT,
  invalid: EMPTY_COUNT,
  clicks: EMPTY_COUNT,
  conversions: EMPTY_COUNT,
  bounded: { adEvents: 0, invalidAdEvents: 0, clicks: 0, conversions: 0 },
});

/** Who an ad event's contribution is bounded by: its shopper, else its device, else its network. */
function contributorOf(event: AdCleanEvent): string {
  if (event.subjectId !== null) return event.subjectId;
  if (event.traffic.deviceHash !== undefined) return `device:${event.traffic.deviceHash}`;
  if (event.traffic.ipHash !== undefined) return `ip:${event.traffic.ipHash}`;
  // Nothing to tell anonymous events apart: they share one allowance.
  return 'anonymous';
}

const dayOf = (atMs: number): string =>
  new Date(Math.floor(atMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

/** Create the bidding processor (run it with `createProcessorHost({ layout: 'merged', ... })`). */
export function createBiddingProcessor(options: BiddingProcessorOptions = {}): Processor<BiddingInput> {
  const halfLifeMs = options.halfLifeMs ?? 12 * 3_600_000;
  const bounds = options.bounds ?? DEFAULT_BID_BOUNDS;
  const topics = biddingTopics(options.topics);

  const campaignOf = (ctx: ProcessorContext, campaignId: string): CampaignInfo | undefined =>
    ctx.stateOf.forKey('campaigns').get<CampaignInfo>(campaignId);

  /**
   * Take `amount` of a contributor's daily allowance of `measure` for the campaign: what still fits (0 when it is
   * used up). A contributor counted for the first time adds one to the campaign's distinct contributors.
   */
  const withinBound = (
    ctx: ProcessorContext,
    contributor: string,
    campaignId: string,
    measure: keyof ContributionBounds,
    atMs: number,
    amount = 1,
  ): number => {
    const subject = ctx.stateOf.forKey(`subject:${contributor}`);
    const day = dayOf(atMs);
    const stored = subject.get<CapRow>(`cap:${campaignId}`);
    if (stored?.withdrawn === true) return 0;
    // Spend is allowed per UTC day (it feeds today's spend); a late event of an earlier day counts in no day's
    // allowance of the current one. Ad events, clicks and conversions are allowed once per campaign, for good.
    if (measure === 'spend' && stored !== undefined && stored.day > day) return 0;
    if (stored === undefined) {
      const campaign = ctx.stateOf.forKey(`campaign:${campaignId}`);
      const totals = campaign.get<CampaignTotals>('totals') ?? { contributors: 0, spend: 0 };
      campaign.put('totals', { ...totals, contributors: totals.contributors + 1 } satisfies CampaignTotals);
    }
    const base: CapRow = stored ?? { day, adEvents: 0, clicks: 0, conversions: 0, spend: 0 };
    const cap: CapRow = measure === 'spend' && base.day < day ? { ...base, day, spend: 0 } : base;
    const taken = Math.max(0, Math.min(amount, bounds[measure] - cap[measure]));
    if (taken <= 0) return 0;
    subject.put(`cap:${campaignId}`, {
      ...cap,
      [measure]: cap[measure] + taken,
      ...(measure === 'spend' ? { spendTotal: (cap.spendTotal ?? 0) + taken } : {}),
    } satisfies CapRow);
    return taken;
  };

  /** Note what a shopper's counted event added to a placement's bounded totals (for a later withdrawal). */
  const notePlaced = (
    ctx: ProcessorContext,
    contributor: string,
    campaignId: string,
    placement: Placement,
    added: Partial<PlacementTotals>,
  ): void => {
    const subject = ctx.stateOf.forKey(`subject:${contributor}`);
    const cap = subject.get<CapRow>(`cap:${campaignId}`);
    if (cap === undefined) return;
    const before = cap.placed?.[placement] ?? { adEvents: 0, invalidAdEvents: 0, clicks: 0, conversions: 0 };
    const after: PlacementTotals = {
      adEvents: before.adEvents + (added.adEvents ?? 0),
      invalidAdEvents: before.invalidAdEvents + (added.invalidAdEvents ?? 0),
      clicks: before.clicks + (added.clicks ?? 0),
      conversions: before.conversions + (added.conversions ?? 0),
    };
    subject.put(`cap:${campaignId}`, {
      ...cap,
      placed: { ...cap.placed, [placement]: after },
    } satisfies CapRow);
  };

  /**
   * Recompute every placement of a campaign seen so far; write those whose multiplier moved enough or whose bounded
   * totals changed, and `touched` (the placement of the input) when the campaign's contributors or today's spend
   * changed. `everyPlacement`: write them all (a change of stock or of the campaign itself, which holds no shopper,
   * reaches every placement's record at once rather than with the next shopper's event).
   */
  const settle = (
    ctx: ProcessorContext,
    campaignId: string,
    atMs: number,
    cause: string,
    write: { touched?: Placement; everyPlacement?: boolean } = {},
  ): void => {
    const campaign = campaignOf(ctx, campaignId);
    if (campaign === undefined) return;
    const state = ctx.stateOf.forKey(`campaign:${campaignId}`);
    const clock = Math.max(atMs, state.get<number>('clock') ?? 0);
    state.put('clock', clock);
    const names = state.names('placement:');
    const rows = names.map((name) => [name, state.get<PlacementRow>(name) ?? emptyPlacement()] as const);
    const totals = { clicks: 0, conversions: 0 };
    for (const [, row] of rows) {
      totals.clicks += decayedValue(row.clicks, clock, halfLifeMs);
      totals.conversions += decayedValue(row.conversions, clock, halfLifeMs);
    }
    const campaignTotals = state.get<CampaignTotals>('totals') ?? { contributors: 0, spend: 0 };
    const pacing = state.get<{ day: string; spent: number }>('spend');
    const shared: BidReason[] = [
      stockReason(state.get('stock') ?? { linesKnown: 0, linesInStock: 0 }),
      pacingReason({
        dailyBudget: campaign.dailyBudget,
        spentToday: pacing?.day === dayOf(clock) ? pacing.spent : 0,
        atMs: clock,
      }),
      flightReason(campaign, clock),
    ];
    const spendToday =
      campaignTotals.day === dayOf(clock) ? Math.round((campaignTotals.spendToday ?? 0) * 100) / 100 : 0;
    const published = state.get<PublishedTotals>('published');
    const campaignMoved =
      published === undefined ||
      published.contributors !== campaignTotals.contributors ||
      published.spendToday !== spendToday;
    let wrote = false;
    for (const [name, row] of rows) {
      const placement = name.slice('placement:'.length) as Placement;
      const reasons: BidReason[] = [
        conversionReason(
          {
            clicks: decayedValue(row.clicks, clock, halfLifeMs),
            conversions: decayedValue(row.conversions, clock, halfLifeMs),
          },
          totals,
        ),
        invalidTrafficReason({
          adEvents: decayedValue(row.adEvents, clock, halfLifeMs),
          invalidAdEvents: decayedValue(row.invalid, clock, halfLifeMs),
        }),
        ...shared,
      ];
      const multiplier = multiplierOf(reasons);
      const due =
        write.everyPlacement === true ||
        movedEnough(row.last, multiplier, reasons) ||
        totalsChanged(row.last?.bounded, row.bounded) ||
        (campaignMoved && placement === write.touched);
      if (!due) continue;
      wrote = true;
      const bid: BidMultiplier = {
        bidId: `bid:${campaignId}:${placement}:${cause}`,
        campaignId,
        brand: campaign.brand,
        placement,
        multiplier,
        reasons,
        at: new Date(clock).toISOString(),
        bounded: {
          ...row.bounded,
          contributors: campaignTotals.contributors,
          spend: Math.round(campaignTotals.spend * 100) / 100,
          spendToday,
          bounds,
        },
      };
      state.put(name, {
        ...row,
        last: {
          multiplier,
          factors: Object.fromEntries(reasons.map((reason) => [reason.code, reason.factor])),
          bounded: row.bounded,
        },
      } satisfies PlacementRow);
      ctx.count('bid');
      ctx.emit({ topic: topics.bids, key: campaignId, value: bid, outputId: bid.bidId });
    }
    if (wrote && campaignMoved) {
      state.put('published', {
        contributors: campaignTotals.contributors,
        spendToday,
      } satisfies PublishedTotals);
    }
  };

  /** Apply an ad event once both it and its verdict are known. */
  const applyAd = (
    ctx: ProcessorContext,
    adEventId: string,
    event: NonNullable<PendingAd['event']>,
    verdict: NonNullable<PendingAd['verdict']>,
  ): void => {
    const { campaignId } = verdict;
    if (campaignOf(ctx, campaignId) === undefined) {
      ctx.count('unknown-campaign');
      return;
    }
    const atMs = Date.parse(event.at);
    const state = ctx.stateOf.forKey(`campaign:${campaignId}`);
    const name = `placement:${event.placement}`;
    const row = state.get<PlacementRow>(name) ?? emptyPlacement();
    const bounded = { ...row.bounded };
    // The host's live counts take every ad event; the bounded totals brands see only measurable ones.
    const measurable = event.measurable !== false;
    const counted = measurable && withinBound(ctx, event.contributor, campaignId, 'adEvents', atMs) > 0;
    const added: Partial<PlacementTotals> = {};
    if (counted) {
      bounded.adEvents += 1;
      added.adEvents = 1;
      if (!verdict.valid) {
        bounded.invalidAdEvents += 1;
        added.invalidAdEvents = 1;
      }
    }
    const next: PlacementRow = {
      ...row,
      adEvents: addDecayed(row.adEvents, 1, atMs, halfLifeMs),
      invalid: verdict.valid ? row.invalid : addDecayed(row.invalid, 1, atMs, halfLifeMs),
      bounded,
    };
    if (verdict.valid && event.type === 'click') {
      next.clicks = addDecayed(row.clicks, 1, atMs, halfLifeMs);
      if (counted && withinBound(ctx, event.contributor, campaignId, 'clicks', atMs) > 0) {
        bounded.clicks += 1;
        added.clicks = 1;
      }
      if (event.subjectId !== null) {
        ctx.stateOf
          .forKey(`subject:${event.subjectId}`)
          .put(`click:${campaignId}`, { placement: event.placement, atMs } satisfies ClickRow);
      }
    }
    state.put(name, next);
    if (counted) notePlaced(ctx, event.contributor, campaignId, event.placement, added);
    const spendTaken = measurable
      ? withinBound(ctx, event.contributor, campaignId, 'spend', atMs, verdict.valid ? event.cost : 0)
      : 0;
    if (spendTaken > 0) {
      const totals = state.get<CampaignTotals>('totals') ?? { contributors: 0, spend: 0 };
      const day = dayOf(atMs);
      const sameDay = totals.day === day;
      // A late event of an earlier day adds to the total, not to the current day's.
      const laterDay = totals.day === undefined || totals.day < day;
      state.put('totals', {
        ...totals,
        spend: Math.round((totals.spend + spendTaken) * 1e6) / 1e6,
        ...(sameDay || laterDay
          ? {
              day,
              spendToday: Math.round(((sameDay ? (totals.spendToday ?? 0) : 0) + spendTaken) * 1e6) / 1e6,
            }
          : {}),
      } satisfies CampaignTotals);
    }
    // Pacing counts billable spend: invalid traffic is filtered from what the brand is billed (so a click farm
    // cannot exhaust a campaign's day), and is the invalid-traffic factor's business.
    const billable = verdict.valid ? event.cost : 0;
    const day = dayOf(atMs);
    const spend = state.get<{ day: string; spent: number }>('spend');
    if (spend === undefined || spend.day < day) state.put('spend', { day, spent: billable });
    else if (spend.day === day)
      state.put('spend', { day, spent: Math.round((spend.spent + billable) * 1e6) / 1e6 });
    settle(ctx, campaignId, atMs, adEventId, { touched: event.placement });
  };

  const pendingOf = (ctx: ProcessorContext, adEventId: string) => ctx.stateOf.forKey(`ad:${adEventId}`);

  const onAdEvent = (event: AdCleanEvent, ctx: ProcessorContext): void => {
    const pending = pendingOf(ctx, event.adEventId);
    const waiting = pending.get<PendingAd>('pending');
    const facts: NonNullable<PendingAd['event']> = {
      placement: event.placement,
      contributor: contributorOf(event),
      subjectId: event.subjectId,
      cost: event.cost ?? 0,
      type: event.type,
      at: event.occurredAt,
      measurable: event.consent.measurement,
    };
    if (waiting?.verdict === undefined) {
      pending.put('pending', { event: facts } satisfies PendingAd);
      return;
    }
    pending.clear();
    applyAd(ctx, event.adEventId, facts, waiting.verdict);
  };

  const onVerdict = (verdict: IvtVerdict, ctx: ProcessorContext): void => {
    // A later revision (a late SIVT finding) restates attribution; here the first verdict decided the counts.
    if (verdict.revision > 0) {
      ctx.count('revision');
      return;
    }
    const pending = pendingOf(ctx, verdict.adEventId);
    const waiting = pending.get<PendingAd>('pending');
    const decided = { valid: verdict.valid, campaignId: verdict.campaignId };
    if (waiting?.event === undefined) {
      pending.put('pending', { verdict: decided } satisfies PendingAd);
      return;
    }
    pending.clear();
    applyAd(ctx, verdict.adEventId, waiting.event, decided);
  };

  const onPurchase = (purchase: PurchaseEvent, ctx: ProcessorContext): void => {
    if (purchase.subjectId === null || !purchase.consent.measurement || purchase.revenue <= 0) return;
    const subject = ctx.stateOf.forKey(`subject:${purchase.subjectId}`);
    const atMs = Date.parse(purchase.occurredAt);
    for (const name of subject.names('click:')) {
      const campaignId = name.slice('click:'.length);
      const click = subject.get<ClickRow>(name);
      const campaign = campaignOf(ctx, campaignId);
      if (click === undefined || campaign === undefined) continue;
      const ageMs = atMs - click.atMs;
      if (ageMs < 0) continue;
      if (ageMs > campaign.clickLookbackDays * DAY_MS) {
        subject.delete(name);
        continue;
      }
      if (!purchase.items.some((item) => item.quantity > 0 && promotes(campaign, item))) continue;
      const state = ctx.stateOf.forKey(`campaign:${campaignId}`);
      const row = state.get<PlacementRow>(`placement:${click.placement}`) ?? emptyPlacement();
      const bounded = { ...row.bounded };
      const converted = withinBound(ctx, purchase.subjectId, campaignId, 'conversions', atMs) > 0;
      if (converted) bounded.conversions += 1;
      state.put(`placement:${click.placement}`, {
        ...row,
        conversions: addDecayed(row.conversions, 1, atMs, halfLifeMs),
        bounded,
      } satisfies PlacementRow);
      if (converted) notePlaced(ctx, purchase.subjectId, campaignId, click.placement, { conversions: 1 });
      ctx.count('conversion');
      settle(ctx, campaignId, atMs, purchase.eventId, { touched: click.placement });
    }
  };

  /**
   * A shopper who withdrew measurement consent, or was erased, leaves every campaign's bounded totals: what they
   * added to each placement, one contributor, their spend (today's too, if it is still today). The host's live
   * counts (decayed, exact) are the host's own and keep them. Their last clicks go, so no later purchase converts.
   */
  const onConsent = (change: ConsentChange, ctx: ProcessorContext): void => {
    if (change.consent.measurement && !change.erased) return;
    const subject = ctx.stateOf.forKey(`subject:${change.subjectId}`);
    const atMs = Date.parse(change.occurredAt);
    for (const name of subject.names('cap:')) {
      const cap = subject.get<CapRow>(name);
      if (cap === undefined || cap.withdrawn === true) continue;
      const campaignId = name.slice('cap:'.length);
      const state = ctx.stateOf.forKey(`campaign:${campaignId}`);
      for (const [placement, placed] of Object.entries(cap.placed ?? {})) {
        const row = state.get<PlacementRow>(`placement:${placement}`);
        if (row === undefined || placed === undefined) continue;
        const less = (a: number, b: number): number => Math.max(0, a - b);
        state.put(`placement:${placement}`, {
          ...row,
          bounded: {
            adEvents: less(row.bounded.adEvents, placed.adEvents),
            invalidAdEvents: less(row.bounded.invalidAdEvents, placed.invalidAdEvents),
            clicks: less(row.bounded.clicks, placed.clicks),
            conversions: less(row.bounded.conversions, placed.conversions),
          },
        } satisfies PlacementRow);
      }
      const totals = state.get<CampaignTotals>('totals');
      if (totals !== undefined) {
        const round = (value: number): number => Math.max(0, Math.round(value * 1e6) / 1e6);
        state.put('totals', {
          ...totals,
          contributors: Math.max(0, totals.contributors - 1),
          spend: round(totals.spend - (cap.spendTotal ?? 0)),
          ...(totals.day !== undefined && totals.day === cap.day
            ? { spendToday: round((totals.spendToday ?? 0) - cap.spend) }
            : {}),
        } satisfies CampaignTotals);
      }
      subject.put(name, {
        day: cap.day,
        adEvents: 0,
        clicks: 0,
        conversions: 0,
        spend: 0,
        withdrawn: true,
      } satisfies CapRow);
      ctx.count('withdrawn');
      settle(ctx, campaignId, atMs, change.changeId, { everyPlacement: true });
    }
    subject.deletePrefix('click:');
    // An erasure forgets the shopper altogether (the withdrawal markers too: no id of theirs stays).
    if (change.erased) subject.clear();
  };

  /** Count the campaign's lines (promoted product x region) the inventory stage reported, and those in stock. */
  const recountStock = (ctx: ProcessorContext, campaign: CampaignInfo): void => {
    let linesKnown = 0;
    let linesInStock = 0;
    for (const sku of ctx.stateOf.forKey('catalog').names()) {
      const product = ctx.stateOf.forKey(`stock:${sku}`);
      const facts = product.get<{ sku: string; category: string; brand: string }>('facts');
      if (facts === undefined || !promotes(campaign, facts)) continue;
      for (const name of product.names('region:')) {
        linesKnown += 1;
        if (product.get<boolean>(name) === true) linesInStock += 1;
      }
    }
    ctx.stateOf.forKey(`campaign:${campaign.campaignId}`).put('stock', { linesKnown, linesInStock });
  };

  const campaignsOf = (ctx: ProcessorContext): CampaignInfo[] => {
    const campaigns = ctx.stateOf.forKey('campaigns');
    return campaigns.names().flatMap((id) => campaigns.get<CampaignInfo>(id) ?? []);
  };

  const onStock = (status: StockStatus, ctx: ProcessorContext): void => {
    if (status.level !== 'region') return;
    const product = ctx.stateOf.forKey(`stock:${status.sku}`);
    if (product.get('facts') === undefined) {
      product.put('facts', { sku: status.sku, category: status.category, brand: status.brand });
      ctx.stateOf.forKey('catalog').put(status.sku, 1);
    }
    const before = product.get<boolean>(`region:${status.region}`);
    product.put(`region:${status.region}`, status.inStock);
    if (before === status.inStock) return;
    const atMs = Date.parse(status.at);
    for (const campaign of campaignsOf(ctx)) {
      if (!promotes(campaign, status)) continue;
      recountStock(ctx, campaign);
      settle(ctx, campaign.campaignId, atMs, status.statusId, { everyPlacement: true });
    }
  };

  const onCampaign = (campaign: CampaignInfo, ctx: ProcessorContext, record: LogRecord): void => {
    ctx.stateOf.forKey('campaigns').put(campaign.campaignId, campaign);
    recountStock(ctx, campaign);
    const clock = ctx.stateOf.forKey(`campaign:${campaign.campaignId}`).get<number>('clock');
    if (clock !== undefined)
      settle(ctx, campaign.campaignId, clock, `campaign-${record.partition}-${record.offset}`, {
        everyPlacement: true,
      });
  };

  return {
    parse(record): BiddingInput {
      const value: unknown = JSON.parse(record.value);
      if (record.topic === topics.campaigns)
        return { kind: 'campaign', campaign: campaignInfoSchema.parse(value) };
      if (record.topic === topics.stock) return { kind: 'stock', status: stockStatusSchema.parse(value) };
      if (record.topic === topics.ivt) return { kind: 'verdict', verdict: ivtVerdictSchema.parse(value) };
      if (record.topic === topics.consent)
        return { kind: 'consent', change: consentChangeSchema.parse(value) };
      return { kind: 'event', event: cleanEventSchema.parse(value) };
    },
    // Outside the host's event time (one task over inputs of very different pace); the counts decay by the
    // records' own times, and outputs depend on the log order alone.
    eventTime: () => null,
    eventId: byKind<BiddingInput, [LogRecord], string>({
      campaign: (_, record) => `campaign:${record.partition}:${record.offset}`,
      stock: (input) => input.status.statusId,
      event: (input) => input.event.eventId,
      verdict: (input) => input.verdict.verdictId,
      consent: (input) => input.change.changeId,
    }),
    onRecord: byKind<BiddingInput, [RecordContext], void>({
      campaign: (input, ctx) => onCampaign(input.campaign, ctx, ctx.record),
      stock: (input, ctx) => onStock(input.status, ctx),
      verdict: (input, ctx) => onVerdict(input.verdict, ctx),
      consent: (input, ctx) => onConsent(input.change, ctx),
      event: ({ event }, ctx) => {
        if (event.type === 'impression' || event.type === 'click') onAdEvent(event, ctx);
        else if (event.type === 'purchase') onPurchase(event, ctx);
      },
    }),
  };
}
