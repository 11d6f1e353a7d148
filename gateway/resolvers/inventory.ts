/**
 * Inventory resolvers: a brand's view of the retailer's stock of its own products by region, and of its campaigns'
 * paused lines. Neither holds shopper data, so both pass the release step as `no-subjects` rows (no budget, no
 * noise, no threshold; the field obligations and the audit still apply). What guards them is the decision: the
 * contract names the action, and every product asked for is the brand's own.
 */
import type { GatewayContext } from '../context.ts';
import { GatewayError, badUserInput } from '../errors.ts';
import { governed } from '../governance.ts';
import type { DecisionResource } from '../ports.ts';
import type { NoSubjectRowsRelease } from '../release/release-step.ts';
import type { PausedLineView, RegionStockView } from '../read-models/read-models.ts';
import { campaignResource, ownsCampaign } from './brand.ts';

/** The most products one stockStatus request may name. */
export const MAX_STOCK_PRODUCTS = 100;

/**
 * The owner of a set of products: their one brand, or undefined when one is unknown or they span brands (the
 * engine then refuses a partner, so an unknown product and another brand's get the same answer).
 */
function ownerOf(context: GatewayContext, productIds: readonly string[]): string | undefined {
  const brands = new Set(productIds.map((sku) => context.services.readModels.productBrand(sku)));
  if (brands.size !== 1 || brands.has(undefined)) return undefined;
  return [...brands][0];
}

const stockRow = (row: RegionStockView) => ({
  productId: row.sku,
  region: row.region,
  inStockShare: row.inStockShare,
  inStock: row.inStock,
  at: row.at,
});

/** Inventory queries. */
export const inventoryResolvers = {
  Query: {
    stockStatus: (
      _root: unknown,
      args: { productIds: string[]; region?: string },
      context: GatewayContext,
    ) => {
      const productIds = [...new Set(args.productIds)];
      if (productIds.length === 0 || productIds.length > MAX_STOCK_PRODUCTS) {
        throw badUserInput(`name 1 to ${MAX_STOCK_PRODUCTS} products`, { field: 'productIds' });
      }
      const owner = ownerOf(context, productIds);
      const resource: DecisionResource = {
        kind: 'stock',
        ...(owner === undefined ? {} : { ownerId: owner }),
        ...(args.region === undefined ? {} : { regions: [args.region] }),
      };
      return governed(
        context,
        'stock.status',
        resource,
        args,
        (): NoSubjectRowsRelease<RegionStockView, unknown> => ({
          kind: 'no-subjects',
          read: () => productIds.flatMap((sku) => context.services.readModels.regionStock(sku, args.region)),
          shape: (rows) => rows.map(stockRow),
        }),
      );
    },
    campaignPauses: (_root: unknown, args: { campaignId: string }, context: GatewayContext) => {
      const campaign = context.services.readModels.campaign(args.campaignId);
      const resource = campaignResource(args.campaignId, campaign);
      return governed(
        context,
        'campaign.pauses',
        resource,
        args,
        ({ principal, contract }): NoSubjectRowsRelease<PausedLineView, unknown> => {
          if (!ownsCampaign(principal, contract, args.campaignId, campaign?.brand)) {
            throw new GatewayError('FORBIDDEN', 'not your campaign', { partnerId: principal.id });
          }
          // A substitute is the brand's to see only while its contract allows substitution.
          const substitutes = principal.role === 'HOST_ADMIN' || contract?.inventory?.substitution === true;
          return {
            kind: 'no-subjects',
            read: () => context.services.readModels.pausedLines(args.campaignId),
            shape: (rows) =>
              rows.map((line) => ({
                campaignId: line.campaignId,
                productId: line.sku,
                region: line.region,
                since: line.since,
                inStockShare: line.inStockShare,
                substitute: substitutes ? line.substitute : null,
              })),
          };
        },
      );
    },
  },
};
