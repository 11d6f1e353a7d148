/**
 * In-memory read models the gateway serves from, materialized from the processors' output topics:
 * segment membership and consent, attribution aggregates (latest version per key), triggers and campaigns.
 * Nothing here holds a raw identifier: subjects are subject ids, which never leave the gateway.
 *
 * The consent view is the one every answer uses (sizes, overlaps, signals, activation gates): a subject's latest
 * `cleanroom.consent` record, or — for a subject the loyalty feed never described — the host's declared default,
 * which ships as "not measurable, not shareable". Never an assumption of its own.
 */
import type {
  AttributionAggregate,
  AttributionModel,
  BidMultiplier,
  CampaignInfo,
  CampaignPause,
  ConsentChange,
  OfferStat,
  SegmentChange,
  StockStatus,
  Trigger,
} from '../../schema/index.ts';
import { createOfferStatsModel } from './offer-stats.ts';

/** A product's stock in one region (from `cleanroom.stock`; store-level records are not kept here). */
export interface RegionStockView {
  sku: string;
  brand: string;
  category: string;
  region: string;
  storesKnown: number;
  storesInStock: number;
  inStockShare: number;
  inStock: boolean;
  at: string;
}

/** A campaign line currently paused in a region (from `cleanroom.campaign-pauses`). */
export interface PausedLineView {
  campaignId: string;
  sku: string;
  region: string;
  since: string;
  inStockShare: number;
  substitute: string | null;
}

/** A shopper's consent as the gateway last saw it. */
export interface SubjectConsent {
  measurement: boolean;
  partnerSharing: boolean;
  erased: boolean;
}

/** The read models. */
export interface ReadModels {
  applySegmentChange(change: SegmentChange): void;
  applyConsent(change: ConsentChange): void;
  applyAggregate(aggregate: AttributionAggregate): void;
  applyTrigger(trigger: Trigger): void;
  applyCampaign(campaign: CampaignInfo): void;
  applyStockStatus(status: StockStatus): void;
  applyCampaignPause(pause: CampaignPause): void;
  /** The latest bid multiplier per campaign and placement (`cleanroom.bids`). */
  applyBid(bid: BidMultiplier): void;
  /** A campaign's latest multiplier per placement, by placement. */
  bids(campaignId: string): BidMultiplier[];
  /** A restated cell of a brand's offer report (the latest version per cell wins). */
  applyOfferStat(stat: OfferStat): void;
  /** The offer report's cell of a brand, day and region, if any offer was made there. */
  offerStat(brand: string, day: string, region: string): OfferStat | undefined;
  /** The brand of a product the stock feed has described, or undefined. */
  productBrand(sku: string): string | undefined;
  /** A product's stock per region (sorted by region), or in one region. */
  regionStock(sku: string, region?: string): RegionStockView[];
  /** The lines of a campaign paused now, by sku then region. */
  pausedLines(campaignId: string): PausedLineView[];
  segmentIds(): string[];
  /** Consent counts over known shoppers. */
  consentCounts(): { total: number; optedOut: number; erased: number };
  /** Distinct members that may appear in aggregates (measurement consent, not erased). */
  segmentSize(segmentId: string): number;
  /** Distinct members that may appear in partner signals (partner-sharing consent, not erased). */
  shareableSegmentSize(segmentId: string): number;
  segmentsOf(subjectId: string): string[];
  consentOf(subjectId: string): SubjectConsent | undefined;
  /** Whether a subject may appear in an aggregate (its consent, or the host default without a record). */
  measurable(subjectId: string): boolean;
  /** Whether a subject may appear in a partner signal (its consent, or the host default without a record). */
  shareable(subjectId: string): boolean;
  campaign(campaignId: string): CampaignInfo | undefined;
  campaigns(): CampaignInfo[];
  aggregates(campaignId: string, model: AttributionModel): AttributionAggregate[];
  /** Triggers ordered by window start, then id. */
  triggers(): Trigger[];
  trigger(triggerId: string): Trigger | undefined;
}

/** Options of {@link createReadModels}. */
export interface ReadModelOptions {
  /** Consent of a subject with no consent record (the host configuration's `consentDefault`). */
  consentDefault: { measurement: boolean; partnerSharing: boolean };
}

/** Create empty read models. */
export function createReadModels(options: ReadModelOptions): ReadModels {
  const { consentDefault } = options;
  const members = new Map<string, Set<string>>();
  const segmentsBySubject = new Map<string, Set<string>>();
  const consent = new Map<string, SubjectConsent>();
  const aggregates = new Map<string, AttributionAggregate>();
  // By campaign and model, and sorted once until the next change: a report reads its campaign's rows only.
  const aggregatesByCampaign = new Map<string, Map<string, AttributionAggregate>>();
  const sortedAggregates = new Map<string, AttributionAggregate[]>();
  const triggers = new Map<string, Trigger>();
  let sortedTriggers: Trigger[] | null = null;
  const campaigns = new Map<string, CampaignInfo>();
  const stock = new Map<string, Map<string, RegionStockView>>();
  const paused = new Map<string, Map<string, PausedLineView>>();
  const bidsByCampaign = new Map<string, Map<string, BidMultiplier>>();
  const offerStats = createOfferStatsModel();

  const measurable = (subjectId: string): boolean => {
    const known = consent.get(subjectId);
    return known === undefined ? consentDefault.measurement : known.measurement && !known.erased;
  };
  const shareable = (subjectId: string): boolean => {
    const known = consent.get(subjectId);
    return known === undefined ? consentDefault.partnerSharing : known.partnerSharing && !known.erased;
  };

  // Sizes kept as members and consent change, so a size is read in constant time (a query or a gate decision
  // on a segment of millions must not walk it).
  const sizes = new Map<string, { measurable: number; shareable: number }>();
  const sizeOf = (segmentId: string) => {
    let size = sizes.get(segmentId);
    if (size === undefined) {
      size = { measurable: 0, shareable: 0 };
      sizes.set(segmentId, size);
    }
    return size;
  };
  const count = (segmentId: string, subjectId: string, sign: 1 | -1): void => {
    const size = sizeOf(segmentId);
    if (measurable(subjectId)) size.measurable += sign;
    if (shareable(subjectId)) size.shareable += sign;
  };

  const removeMembership = (segmentId: string, subjectId: string): void => {
    if (members.get(segmentId)?.delete(subjectId) === true) count(segmentId, subjectId, -1);
    const own = segmentsBySubject.get(subjectId);
    own?.delete(segmentId);
    if (own?.size === 0) segmentsBySubject.delete(subjectId);
  };

  return {
    applySegmentChange(change) {
      if (!members.has(change.segmentId)) members.set(change.segmentId, new Set());
      if (change.action === 'entered') {
        const segment = members.get(change.segmentId)!;
        if (!segment.has(change.subjectId)) {
          segment.add(change.subjectId);
          count(change.segmentId, change.subjectId, 1);
        }
        const own = segmentsBySubject.get(change.subjectId) ?? new Set<string>();
        own.add(change.segmentId);
        segmentsBySubject.set(change.subjectId, own);
      } else {
        removeMembership(change.segmentId, change.subjectId);
      }
    },
    applyConsent(change) {
      const own = [...(segmentsBySubject.get(change.subjectId) ?? [])];
      for (const segmentId of own) count(segmentId, change.subjectId, -1);
      consent.set(change.subjectId, {
        measurement: change.consent.measurement && !change.erased,
        partnerSharing: change.consent.partnerSharing && !change.erased,
        erased: change.erased,
      });
      for (const segmentId of own) count(segmentId, change.subjectId, 1);
      if (change.erased) {
        // Erasure purges the shopper from every read model.
        for (const segmentId of [...(segmentsBySubject.get(change.subjectId) ?? [])]) {
          removeMembership(segmentId, change.subjectId);
        }
      }
    },
    applyAggregate(aggregate) {
      const current = aggregates.get(aggregate.aggregateId);
      if (current === undefined || current.version <= aggregate.version) {
        aggregates.set(aggregate.aggregateId, aggregate);
        const key = `${aggregate.campaignId}\u0000${aggregate.model}`;
        const own = aggregatesByCampaign.get(key) ?? new Map<string, AttributionAggregate>();
        own.set(aggregate.aggregateId, aggregate);
        aggregatesByCampaign.set(key, own);
        sortedAggregates.delete(key);
      }
    },
    applyTrigger(trigger) {
      triggers.set(trigger.triggerId, trigger);
      sortedTriggers = null;
    },
    applyCampaign(campaign) {
      campaigns.set(campaign.campaignId, campaign);
    },
    applyStockStatus(status) {
      if (status.level !== 'region') return;
      // The inventory stage writes a product's statuses in order (one key, one partition): the latest is current,
      // even when its count is older than another store's (each store's newest count is what it holds).
      const regions = stock.get(status.sku) ?? new Map<string, RegionStockView>();
      const { sku, brand, category, region, storesKnown, storesInStock, inStockShare, inStock, at } = status;
      regions.set(region, {
        sku,
        brand,
        category,
        region,
        storesKnown,
        storesInStock,
        inStockShare,
        inStock,
        at,
      });
      stock.set(status.sku, regions);
    },
    applyCampaignPause(pause) {
      const lines = paused.get(pause.campaignId) ?? new Map<string, PausedLineView>();
      const line = `${pause.sku}|${pause.region}`;
      if (pause.action === 'resume') lines.delete(line);
      else
        lines.set(line, {
          campaignId: pause.campaignId,
          sku: pause.sku,
          region: pause.region,
          since: lines.get(line)?.since ?? pause.at,
          inStockShare: pause.inStockShare,
          substitute: pause.substitute?.sku ?? null,
        });
      paused.set(pause.campaignId, lines);
    },
    applyBid(bid) {
      // One campaign's bids are one key, one partition, in order: the latest per placement is current.
      const placements = bidsByCampaign.get(bid.campaignId) ?? new Map<string, BidMultiplier>();
      placements.set(bid.placement, bid);
      bidsByCampaign.set(bid.campaignId, placements);
    },
    bids: (campaignId) =>
      [...(bidsByCampaign.get(campaignId)?.values() ?? [])].sort((a, b) =>
        a.placement.localeCompare(b.placement),
      ),
    productBrand: (sku) => stock.get(sku)?.values().next().value?.brand,
    regionStock(sku, region) {
      const regions = [...(stock.get(sku)?.values() ?? [])];
      return regions
        .filter((row) => region === undefined || row.region === region)
        .sort((a, b) => a.region.localeCompare(b.region));
    },
    pausedLines: (campaignId) =>
      [...(paused.get(campaignId)?.values() ?? [])].sort(
        (a, b) => a.sku.localeCompare(b.sku) || a.region.localeCompare(b.region),
      ),
    segmentIds: () => [...members.keys()].sort(),
    consentCounts() {
      let optedOut = 0;
      let erased = 0;
      for (const state of consent.values()) {
        if (state.erased) erased += 1;
        else if (!state.partnerSharing || !state.measurement) optedOut += 1;
      }
      return { total: consent.size, optedOut, erased };
    },
    segmentSize: (segmentId) => sizes.get(segmentId)?.measurable ?? 0,
    shareableSegmentSize: (segmentId) => sizes.get(segmentId)?.shareable ?? 0,
    segmentsOf: (subjectId) => [...(segmentsBySubject.get(subjectId) ?? [])],
    consentOf: (subjectId) => consent.get(subjectId),
    measurable,
    shareable,
    campaign: (campaignId) => campaigns.get(campaignId),
    campaigns: () => [...campaigns.values()].sort((a, b) => a.campaignId.localeCompare(b.campaignId)),
    aggregates(campaignId, model) {
      const key = `${campaignId}\u0000${model}`;
      let sorted = sortedAggregates.get(key);
      if (sorted === undefined) {
        sorted = [...(aggregatesByCampaign.get(key)?.values() ?? [])].sort(
          (a, b) => a.day.localeCompare(b.day) || a.channel.localeCompare(b.channel),
        );
        sortedAggregates.set(key, sorted);
      }
      return [...sorted];
    },
    triggers() {
      sortedTriggers ??= [...triggers.values()].sort(
        (a, b) => a.windowStart.localeCompare(b.windowStart) || a.triggerId.localeCompare(b.triggerId),
      );
      return sortedTriggers;
    },
    trigger: (triggerId) => triggers.get(triggerId),
    applyOfferStat: (stat) => offerStats.apply(stat),
    offerStat: (brand, day, region) => offerStats.get(brand, day, region),
  };
}
