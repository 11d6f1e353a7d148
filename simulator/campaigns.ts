/**
 * The campaigns the simulated brands run, published on `retail.campaigns`, and how strongly their ads move
 * purchases (the causal effect the attribution processor should find).
 */
import type { CampaignEvent } from '../schema/events.ts';
import type { Catalogue, Product } from './catalogue.ts';

/** A campaign as the simulator runs it: the published event plus delivery and effect settings. */
export interface SimulatedCampaign {
  event: CampaignEvent;
  /** Share of ad slots this campaign wins, relative to the others. */
  deliveryWeight: number;
  /** Price of one impression (a CPM of 1,000 times this). */
  impressionCost: number;
  /** Price range of one click. */
  minClickCost: number;
  maxClickCost: number;
  /** Probability that a click inside the click lookback causes a purchase of the campaign's products. */
  clickUplift: number;
  /** Probability that an impression inside the view lookback causes a purchase. */
  viewUplift: number;
  /** Products the campaign promotes (resolved from its skus, brands and categories). */
  products: Product[];
  clickLookbackMs: number;
  viewLookbackMs: number;
  holdoutPercent: number;
}

/** Ids of the campaigns every seed publishes. */
export const CAMPAIGN_IDS = {
  freshOatsSpring: 'cmp-fresh-oats-spring',
  freshOatsPlantProtein: 'cmp-fresh-oats-plant-protein',
  sparkleSodaSummer: 'cmp-sparkle-soda-summer',
  vistaTvLaunch: 'cmp-vista-tv-launch',
} as const;

const DAY_MS = 86_400_000;

function isoDaysFrom(startMs: number, days: number): string {
  return new Date(startMs + days * DAY_MS).toISOString();
}

function resolveProducts(catalogue: Catalogue, products: CampaignEvent['products']): Product[] {
  return catalogue.products.filter(
    (product) =>
      (products.skus === undefined || products.skus.includes(product.sku)) &&
      (products.brands === undefined || products.brands.includes(product.brand)) &&
      (products.categories === undefined || products.categories.includes(product.category)),
  );
}

/**
 * Daily budget per 1,000 shoppers of each campaign (scaled to the world's shoppers, so pacing means the same at
 * every size): near what the campaign's real traffic costs a day when the ad server wins half its slots; a
 * campaign that click farms hit spends far beyond it.
 */
const DAILY_BUDGET_PER_1000_SHOPPERS: Record<string, number> = {
  'cmp-fresh-oats-spring': 30,
  'cmp-fresh-oats-plant-protein': 40,
  'cmp-sparkle-soda-summer': 25,
  'cmp-vista-tv-launch': 20,
};

/** The campaigns of a world whose simulated time starts at `startMs`. */
export function createCampaigns(
  catalogue: Catalogue,
  startMs: number,
  shoppers = 20_000,
): SimulatedCampaign[] {
  const definitions: Array<
    Omit<SimulatedCampaign, 'products' | 'clickLookbackMs' | 'viewLookbackMs' | 'holdoutPercent'>
  > = [
    {
      event: {
        campaignId: CAMPAIGN_IDS.freshOatsSpring,
        brand: 'fresh-oats',
        name: 'Fresh Oats spring breakfast',
        startsAt: isoDaysFrom(startMs, -7),
        endsAt: isoDaysFrom(startMs, 60),
        products: { brands: ['fresh-oats'], categories: ['cereal', 'plant_based_milk'] },
        clickLookbackDays: 14,
        viewLookbackDays: 1,
        holdoutPercent: 10,
      },
      deliveryWeight: 4,
      impressionCost: 0.006,
      minClickCost: 0.4,
      maxClickCost: 0.9,
      clickUplift: 0.3,
      viewUplift: 0.04,
    },
    {
      event: {
        campaignId: CAMPAIGN_IDS.freshOatsPlantProtein,
        brand: 'fresh-oats',
        name: 'Fresh Oats plant protein',
        startsAt: isoDaysFrom(startMs, -2),
        products: { brands: ['fresh-oats'], categories: ['plant_based_meat'] },
        clickLookbackDays: 7,
        viewLookbackDays: 1,
      },
      deliveryWeight: 2,
      impressionCost: 0.008,
      minClickCost: 0.5,
      maxClickCost: 1.1,
      clickUplift: 0.25,
      viewUplift: 0.03,
    },
    {
      event: {
        campaignId: CAMPAIGN_IDS.sparkleSodaSummer,
        brand: 'sparkle-soda',
        name: 'Sparkle Soda summer',
        startsAt: isoDaysFrom(startMs, -14),
        endsAt: isoDaysFrom(startMs, 90),
        products: { skus: ['sparkle-soda-soda-1', 'sparkle-soda-soda-2', 'sparkle-soda-soda-3'] },
        clickLookbackDays: 14,
        viewLookbackDays: 1,
        holdoutPercent: 5,
      },
      deliveryWeight: 4,
      impressionCost: 0.005,
      minClickCost: 0.3,
      maxClickCost: 0.8,
      clickUplift: 0.3,
      viewUplift: 0.05,
    },
    {
      event: {
        campaignId: CAMPAIGN_IDS.vistaTvLaunch,
        brand: 'vista',
        name: 'Vista OLED launch',
        startsAt: isoDaysFrom(startMs, -1),
        endsAt: isoDaysFrom(startMs, 30),
        products: { brands: ['vista'], categories: ['tv'] },
        clickLookbackDays: 30,
        viewLookbackDays: 3,
        holdoutPercent: 0,
      },
      deliveryWeight: 1,
      impressionCost: 0.012,
      minClickCost: 0.9,
      maxClickCost: 2.5,
      clickUplift: 0.05,
      viewUplift: 0.005,
    },
  ];
  return definitions.map((definition) => ({
    ...definition,
    event: {
      ...definition.event,
      dailyBudget:
        Math.round((DAILY_BUDGET_PER_1000_SHOPPERS[definition.event.campaignId] ?? 20) * shoppers) / 1000,
    },
    products: resolveProducts(catalogue, definition.event.products),
    clickLookbackMs: (definition.event.clickLookbackDays ?? 14) * DAY_MS,
    viewLookbackMs: (definition.event.viewLookbackDays ?? 1) * DAY_MS,
    holdoutPercent: definition.event.holdoutPercent ?? 0,
  }));
}
