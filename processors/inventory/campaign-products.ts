/** Which products a campaign promotes: every filter it names must match (skus, brands, categories). */
import type { CampaignInfo } from '../../schema/topics.ts';

/** What the inventory stage knows of a product. */
export interface ProductFacts {
  sku: string;
  category: string;
  brand: string;
}

/** Whether `campaign` promotes `product` (a campaign naming no filter promotes nothing). */
export function promotes(campaign: CampaignInfo, product: ProductFacts): boolean {
  const { skus, brands, categories } = campaign.products;
  if (skus === undefined && brands === undefined && categories === undefined) return false;
  return (
    (skus === undefined || skus.includes(product.sku)) &&
    (brands === undefined || brands.includes(product.brand)) &&
    (categories === undefined || categories.includes(product.category))
  );
}
