/**
 * The simulated world: regions, stores, catalogue, campaigns, shoppers and the planted click farms. Built
 * from the seed alone, before any event is generated.
 */
import type { CampaignEvent } from '../schema/events.ts';
import { CATEGORIES, REGIONS, createCatalogue, createStores } from './catalogue.ts';
import type { Catalogue, CategoryDefinition, Product, Region, Store } from './catalogue.ts';
import { createCampaigns } from './campaigns.ts';
import type { SimulatedCampaign } from './campaigns.ts';
import { BROWSER_USER_AGENTS } from './network.ts';
import { resolveOptions } from './options.ts';
import type { ResolvedOptions, SimulationOptions } from './options.ts';
import { createRandom, createWeightedPicker } from './random.ts';
import type { WeightedPicker } from './random.ts';
import { createShoppers } from './shoppers.ts';
import type { Shopper } from './shoppers.ts';

/** A click farm: devices behind one /24 clicking one campaign's ads in bursts. */
export interface ClickFarm {
  farmId: string;
  /** The first three octets, e.g. `98.51.7`. */
  prefix: string;
  cidr: string;
  deviceIds: string[];
  userAgent: string;
  campaignIndex: number;
}

/** Everything fixed about a simulated world. */
export interface World {
  options: ResolvedOptions;
  regions: readonly Region[];
  stores: Store[];
  catalogue: Catalogue;
  campaigns: SimulatedCampaign[];
  shoppers: Shopper[];
  /** Indices of loyalty members per region index (the surge draws its buyers here). */
  membersByRegion: number[][];
  clickFarms: ClickFarm[];
  /** Picks the category of a basket line or a browsing interest. */
  categoryPicker: WeightedPicker<CategoryDefinition>;
  /** Picks the campaign that wins an ad slot (by delivery weight). */
  campaignPicker: WeightedPicker<number>;
}

/** The campaign events a world publishes on `retail.campaigns`. */
export function campaignEvents(world: World): CampaignEvent[] {
  return world.campaigns.map((campaign) => campaign.event);
}

/** Products of a category. */
export function productsOf(world: World, category: string): Product[] {
  return world.catalogue.byCategory.get(category) ?? [];
}

/**
 * Build the world of a seed.
 *
 * @example
 * const world = createWorld({ seed: 7 });
 * world.campaigns.map((campaign) => campaign.event.campaignId);
 */
export function createWorld(options: SimulationOptions = {}): World {
  const resolved = resolveOptions(options);
  const random = createRandom(resolved.seed).fork('world');
  const catalogue = createCatalogue();
  const campaigns = createCampaigns(catalogue, resolved.startMs, resolved.shoppers);
  const shoppers = createShoppers(random, resolved.shoppers);
  const membersByRegion: number[][] = REGIONS.map(() => []);
  for (const shopper of shoppers) {
    if (shopper.loyaltyId !== undefined) membersByRegion[shopper.regionIndex]?.push(shopper.index);
  }
  const clickFarms: ClickFarm[] = [];
  for (let n = 1; n <= resolved.clickFarms; n += 1) {
    const prefix = `${random.pick([98, 73, 174])}.${random.int(256)}.${random.int(256)}`;
    clickFarms.push({
      farmId: `click-farm-${n}`,
      prefix,
      cidr: `${prefix}.0/24`,
      deviceIds: Array.from({ length: random.between(4, 10) }, () => `dev-${random.hex(16)}`),
      userAgent: random.pick(BROWSER_USER_AGENTS),
      campaignIndex: random.int(campaigns.length),
    });
  }
  return {
    options: resolved,
    regions: REGIONS,
    stores: createStores(),
    catalogue,
    campaigns,
    shoppers,
    membersByRegion,
    clickFarms,
    categoryPicker: createWeightedPicker(
      CATEGORIES,
      CATEGORIES.map((category) => category.weight),
    ),
    campaignPicker: createWeightedPicker(
      campaigns.map((_, index) => index),
      campaigns.map((campaign) => campaign.deliveryWeight),
    ),
  };
}
