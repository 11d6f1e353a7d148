/** Which lines of a purchase a campaign advertises: directly (its skus) or by halo (its brands, categories). */
import type { CampaignInfo } from '../../schema/index.ts';

/** One purchased line as attribution keeps it: its revenue net of returns so far. */
export interface ConversionLine {
  sku: string;
  brand: string;
  category: string;
  revenue: number;
}

/** Revenue of a purchase that a campaign may claim, split by how it matched. */
export interface CampaignMatch {
  /** True when the purchase holds a line the campaign advertises (directly or by halo). */
  matched: boolean;
  /** True when one of those lines is one of the campaign's skus. */
  direct: boolean;
  directRevenue: number;
  haloRevenue: number;
}

/** Matches a purchase's lines against a campaign's products. */
export function matchCampaign(campaign: CampaignInfo, lines: readonly ConversionLine[]): CampaignMatch {
  const skus = campaign.products.skus ?? [];
  const brands = campaign.products.brands ?? [];
  const categories = campaign.products.categories ?? [];
  const result: CampaignMatch = { matched: false, direct: false, directRevenue: 0, haloRevenue: 0 };
  for (const line of lines) {
    if (skus.includes(line.sku)) {
      result.matched = true;
      result.direct = true;
      result.directRevenue += line.revenue;
    } else if (brands.includes(line.brand) || categories.includes(line.category)) {
      result.matched = true;
      result.haloRevenue += line.revenue;
    }
  }
  return result;
}
