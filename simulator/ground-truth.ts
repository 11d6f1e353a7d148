/** Assemble the {@link GroundTruth} of a simulation from what it has emitted so far. */
import type { SimulationContext } from './context.ts';
import { isoAt } from './context.ts';
import { DATA_CENTRE_CIDRS } from './network.ts';
import { isHeldOut } from './shoppers.ts';
import { expectedBuyersPerHour } from './surge.ts';
import type { GroundTruth, InstoreTruth, InventoryTruth, StockOutTruth, SurgeTruth } from './truth.ts';

/** Counters the simulation keeps beside the context. */
export interface EmissionStats {
  emitted: number;
  recordsByTopic: Record<string, number>;
  lastEventAt: string;
}

/** The ground truth so far; caused purchases whose exposure has not been emitted yet are left out. */
export function buildGroundTruth(
  ctx: SimulationContext,
  stats: EmissionStats,
  stockOuts: readonly StockOutTruth[] | null,
  instore: InstoreTruth | null = null,
): GroundTruth {
  const { world, truth } = ctx;
  const { options } = world;
  const members = truth.publishedMembers
    .map((index) => world.shoppers[index])
    .filter((shopper) => shopper !== undefined);
  // Surges that had begun by the last record emitted (a schedule may reach far beyond it).
  const lastEventMs = Date.parse(stats.lastEventAt);
  const surgeTruths: SurgeTruth[] = options.surges
    .map((surge, index) => ({ surge, index }))
    .filter(({ surge, index }) => index === 0 || surge.startMs <= lastEventMs)
    .map(({ surge, index }) => {
      const baseline = expectedBuyersPerHour(world, surge.category, surge.region);
      const multiplier =
        surge.extraPurchasesPerHour === null
          ? surge.multiplier
          : Math.round((1 + surge.extraPurchasesPerHour / baseline) * 10) / 10;
      return {
        category: surge.category,
        region: surge.region,
        startsAt: isoAt(surge.startMs),
        endsAt: isoAt(surge.endMs),
        multiplier,
        expectedBaselineBuyersPerHour: Math.round(baseline * 10) / 10,
        extraPurchases: truth.surgeExtraPurchases[index] ?? 0,
      };
    });
  return {
    seed: options.seed,
    idPrefix: options.idPrefix,
    startsAt: isoAt(options.startMs),
    lastEventAt: stats.lastEventAt,
    records: stats.emitted,
    recordsByTopic: { ...stats.recordsByTopic },
    dataCentreCidrs: [...DATA_CENTRE_CIDRS],
    campaigns: world.campaigns.map((campaign) => ({
      campaignId: campaign.event.campaignId,
      brand: campaign.event.brand,
      holdoutPercent: campaign.holdoutPercent,
      clickLookbackDays: campaign.event.clickLookbackDays ?? 14,
      viewLookbackDays: campaign.event.viewLookbackDays ?? 1,
      holdoutLoyaltyIds: members
        .filter((shopper) => isHeldOut(shopper, campaign.event.campaignId, campaign.holdoutPercent))
        .map((shopper) => shopper.loyaltyId as string),
    })),
    invalidAdEvents: [...truth.invalidAdEvents],
    invalidInteractions: [...truth.invalidInteractions],
    clickFarms: world.clickFarms.map((farm) => ({
      farmId: farm.farmId,
      cidr: farm.cidr,
      deviceIds: [...farm.deviceIds],
      campaignId: world.campaigns[farm.campaignIndex]?.event.campaignId ?? '',
      bursts: (truth.clickFarmBursts.get(farm.farmId) ?? [])
        .filter((burst) => burst.events > 0)
        .map((burst) => ({ ...burst })),
    })),
    surge: surgeTruths[0] ?? null,
    surges: surgeTruths,
    causedPurchases: truth.causedCandidates
      .filter((candidate) => candidate.exposure.emitted)
      .map((candidate) => candidate.truth),
    consentChanges: [...truth.consentChanges],
    returns: [...truth.returns],
    lateEvents: [...truth.lateEvents],
    malformed: [...truth.malformed],
    inventory: stockOuts === null ? null : inventoryTruth(ctx, stockOuts, lastEventMs),
    instore,
  };
}

function inventoryTruth(
  ctx: SimulationContext,
  stockOuts: readonly StockOutTruth[],
  lastEventMs: number,
): InventoryTruth {
  const { adStock } = ctx.truth;
  const round = (value: number): number => Math.round(value * 1e6) / 1e6;
  return {
    stockOuts: stockOuts
      .filter((stockOut) => Date.parse(stockOut.startsAt) <= lastEventMs)
      .map((s) => ({ ...s })),
    impressions: adStock.impressions,
    spend: round(adStock.spend),
    wastedImpressions: adStock.wasted.length,
    wastedSpend: round(adStock.wasted.reduce((sum, wasted) => sum + wasted.cost, 0)),
    wasted: adStock.wasted.map((wasted) => ({ ...wasted })),
    pausedWhileOut: adStock.pausedWhileOut,
    pausedWhileInStock: adStock.pausedWhileInStock,
  };
}
