/**
 * The inventory stage: stock status per product and store and per product and region, and for every campaign's
 * products a pause or resume of its line item per region, for the host's ad server (`cleanroom.campaign-pauses`).
 *
 * Inputs (merged layout: one task, so a region's stores and every campaign meet in one state file):
 * `cleanroom.inventory` (a store's count of a product, keyed by sku) and `cleanroom.campaigns` (compacted).
 * A count older than the one already applied for its store and product is skipped (counted `stale`): the latest
 * count by event time wins, whatever the delivery order.
 *
 * Rules (stock-rules.ts): a store is in stock with one unit on hand; a region is in stock while at least
 * `minInStockShare` of its reporting stores are. A campaign's line item for a product pauses in a region when the
 * region goes out of stock and resumes when it is back; a campaign that arrives later pauses the lines already
 * out. When the brand may substitute (`substitutionBrands`, from the contracts), a pause names the sibling of the
 * same brand and category with the highest in-stock share in the region, and is restated when that choice
 * changes. Every output id derives from the input record that caused it, so a replay repeats ids only.
 *
 * State keys: `product:<sku>` (facts, one row per store, one per region), `siblings:<brand>|<category>`,
 * `catalog` (every sku), `campaigns` (campaign records), `lines:<campaignId>` (paused lines and their substitute).
 */
import { campaignInfoSchema, inventoryLevelSchema } from '../../schema/topics.ts';
import type { CampaignInfo, CampaignPause, InventoryLevel, StockStatus } from '../../schema/topics.ts';
import { stageTopics } from '../runtime/index.ts';
import type { LogRecord, Processor, ProcessorContext } from '../runtime/index.ts';
import { promotes } from './campaign-products.ts';
import type { ProductFacts } from './campaign-products.ts';
import {
  DEFAULT_MIN_IN_STOCK_SHARE,
  inStockShare,
  pickSubstitute,
  regionInStock,
  storeInStock,
} from './stock-rules.ts';

/** Options of {@link createInventoryProcessor}. */
export interface InventoryProcessorOptions {
  /** Share of a region's stores that must hold a product for it to count as in stock (default 0.5). */
  minInStockShare?: number;
  /** Brands whose contract allows substitution (`visibility.inventory.substitution`). */
  substitutionBrands?: readonly string[];
  /** Topic names (default `cleanroom.*`; a prefix for tests). */
  topics?: { inventory?: string; campaigns?: string; stock?: string; campaignPauses?: string };
}

/** An input of the stage. */
export type InventoryInput =
  { kind: 'level'; level: InventoryLevel } | { kind: 'campaign'; campaign: CampaignInfo };

interface StoreRow {
  region: string;
  onHand: number;
  onOrder: number;
  atMs: number;
  inStock: boolean;
}

interface RegionRow {
  storesKnown: number;
  storesInStock: number;
  inStock: boolean;
  at: string;
}

interface LineRow {
  substitute: string | null;
}

/** The stage's topics: those given, `cleanroom.*` for the rest. */
export function inventoryTopics(
  given: InventoryProcessorOptions['topics'] = {},
): Required<NonNullable<InventoryProcessorOptions['topics']>> {
  return stageTopics(['inventory', 'campaigns', 'stock', 'campaignPauses'], given);
}

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;

/** Create the inventory processor (run it with `createProcessorHost({ layout: 'merged', ... })`). */
export function createInventoryProcessor(options: InventoryProcessorOptions = {}): Processor<InventoryInput> {
  const minShare = options.minInStockShare ?? DEFAULT_MIN_IN_STOCK_SHARE;
  const substitution = new Set(options.substitutionBrands ?? []);
  const topics = inventoryTopics(options.topics);

  const regionOf = (ctx: ProcessorContext, sku: string, region: string): RegionRow | undefined =>
    ctx.stateOf.forKey(`product:${sku}`).get<RegionRow>(`region:${region}`);

  const substituteFor = (
    ctx: ProcessorContext,
    facts: ProductFacts,
    region: string,
  ): CampaignPause['substitute'] => {
    const siblings = ctx.stateOf.forKey(`siblings:${facts.brand}|${facts.category}`).names();
    const candidates = siblings
      .filter((sku) => sku !== facts.sku)
      .map((sku) => {
        const row = regionOf(ctx, sku, region);
        return { sku, share: row ? round4(inStockShare(row)) : 0, inStock: row?.inStock ?? false };
      });
    const best = pickSubstitute(candidates);
    return best === null ? null : { sku: best.sku, inStockShare: best.share };
  };

  /** Bring one line (campaign x product x region) to what the region's stock says; emit when it changes. */
  const settleLine = (
    ctx: ProcessorContext,
    campaign: CampaignInfo,
    facts: ProductFacts,
    region: string,
    row: RegionRow,
    causeId: string,
  ): void => {
    const lines = ctx.stateOf.forKey(`lines:${campaign.campaignId}`);
    const name = `${facts.sku}|${region}`;
    const current = lines.get<LineRow>(name);
    const shouldPause = !row.inStock && promotes(campaign, facts);
    if (!shouldPause && current === undefined) return;
    const substitute =
      shouldPause && substitution.has(campaign.brand) ? substituteFor(ctx, facts, region) : null;
    if (shouldPause && current !== undefined && current.substitute === (substitute?.sku ?? null)) return;
    if (shouldPause) lines.put(name, { substitute: substitute?.sku ?? null } satisfies LineRow);
    else lines.delete(name);
    const pause: CampaignPause = {
      decisionId: `pause:${campaign.campaignId}:${facts.sku}:${region}:${causeId}`,
      campaignId: campaign.campaignId,
      brand: campaign.brand,
      sku: facts.sku,
      region,
      action: shouldPause ? 'pause' : 'resume',
      at: row.at,
      inStockShare: round4(inStockShare(row)),
      substitute,
    };
    ctx.count(pause.action);
    ctx.emit({
      topic: topics.campaignPauses,
      key: campaign.campaignId,
      value: pause,
      outputId: pause.decisionId,
    });
  };

  const campaignsOf = (ctx: ProcessorContext): CampaignInfo[] => {
    const campaigns = ctx.stateOf.forKey('campaigns');
    return campaigns.names().flatMap((id) => campaigns.get<CampaignInfo>(id) ?? []);
  };

  const onLevel = (level: InventoryLevel, ctx: ProcessorContext): void => {
    const product = ctx.stateOf.forKey(`product:${level.sku}`);
    const atMs = Date.parse(level.occurredAt);
    const previous = product.get<StoreRow>(`store:${level.storeId}`);
    if (previous !== undefined && previous.atMs > atMs) {
      ctx.count('stale');
      return;
    }
    const facts: ProductFacts = { sku: level.sku, category: level.category, brand: level.brand };
    if (product.get<ProductFacts>('facts') === undefined) {
      product.put('facts', facts);
      ctx.stateOf.forKey(`siblings:${facts.brand}|${facts.category}`).put(facts.sku, 1);
      ctx.stateOf.forKey('catalog').put(facts.sku, 1);
    }
    const inStock = storeInStock(level.onHand);
    const store: StoreRow = {
      region: level.region,
      onHand: level.onHand,
      onOrder: level.onOrder,
      atMs,
      inStock,
    };
    product.put(`store:${level.storeId}`, store);

    let storesKnown = 0;
    let storesInStock = 0;
    for (const name of product.names('store:')) {
      const row = product.get<StoreRow>(name);
      if (row?.region !== level.region) continue;
      storesKnown += 1;
      if (row.inStock) storesInStock += 1;
    }
    const before = product.get<RegionRow>(`region:${level.region}`);
    const region: RegionRow = {
      storesKnown,
      storesInStock,
      inStock: regionInStock({ storesKnown, storesInStock }, minShare),
      at: level.occurredAt,
    };
    const status = (kind: StockStatus['level'], where: string): StockStatus => ({
      statusId: `stock:${kind}:${level.sku}:${where}:${level.eventId}`,
      level: kind,
      ...facts,
      region: level.region,
      ...(kind === 'store' ? { storeId: level.storeId } : {}),
      storesKnown,
      storesInStock,
      inStockShare: round4(inStockShare(region)),
      inStock: kind === 'store' ? inStock : region.inStock,
      at: level.occurredAt,
    });
    const emitStatus = (value: StockStatus): void =>
      ctx.emit({ topic: topics.stock, key: level.sku, value, outputId: value.statusId });
    if (previous?.inStock !== inStock) emitStatus(status('store', level.storeId));
    if (before?.storesKnown === storesKnown && before.storesInStock === storesInStock) return;
    product.put(`region:${level.region}`, region);
    emitStatus(status('region', level.region));
    const flipped = (before?.inStock ?? true) !== region.inStock;
    if (!flipped && before !== undefined) return;

    const campaigns = campaignsOf(ctx);
    if (flipped)
      for (const campaign of campaigns) settleLine(ctx, campaign, facts, level.region, region, level.eventId);
    // A flip, or a product first seen in the region, may change which sibling is the best substitute for the
    // paused ones: restate those (a line whose substitute stays the same emits nothing).
    if (!substitution.has(facts.brand)) return;
    for (const sibling of ctx.stateOf.forKey(`siblings:${facts.brand}|${facts.category}`).names()) {
      if (sibling === facts.sku) continue;
      const siblingRow = regionOf(ctx, sibling, level.region);
      if (siblingRow === undefined || siblingRow.inStock) continue;
      const siblingFacts: ProductFacts = { ...facts, sku: sibling };
      for (const campaign of campaigns)
        settleLine(ctx, campaign, siblingFacts, level.region, siblingRow, level.eventId);
    }
  };

  const onCampaign = (campaign: CampaignInfo, ctx: ProcessorContext, record: LogRecord): void => {
    ctx.stateOf.forKey('campaigns').put(campaign.campaignId, campaign);
    const causeId = `campaign:${record.partition}:${record.offset}`;
    for (const sku of ctx.stateOf.forKey('catalog').names()) {
      const product = ctx.stateOf.forKey(`product:${sku}`);
      const facts = product.get<ProductFacts>('facts');
      if (facts === undefined) continue;
      for (const name of product.names('region:')) {
        const row = product.get<RegionRow>(name);
        if (row !== undefined) settleLine(ctx, campaign, facts, name.slice('region:'.length), row, causeId);
      }
    }
  };

  return {
    parse(record): InventoryInput {
      const value: unknown = JSON.parse(record.value);
      if (record.topic === topics.campaigns)
        return { kind: 'campaign', campaign: campaignInfoSchema.parse(value) };
      return { kind: 'level', level: inventoryLevelSchema.parse(value) };
    },
    // Outside event time: the latest count per store and product wins by its own timestamp (see above).
    eventTime: () => null,
    eventId: (input, record) =>
      input.kind === 'level' ? input.level.eventId : `campaign:${record.partition}:${record.offset}`,
    onRecord(input, ctx) {
      if (input.kind === 'campaign') onCampaign(input.campaign, ctx, ctx.record);
      else onLevel(input.level, ctx);
    },
  };
}
