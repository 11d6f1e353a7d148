/**
 * The inventory stage's rules, kept apart from its state handling so they can be read (and tested) on their own:
 * when a store is in stock, when a region is, and which product substitutes for one that is out.
 */

/** Default share of a region's stores that must hold a product for the region to count as in stock. */
export const DEFAULT_MIN_IN_STOCK_SHARE = 0.5;

/** A store is in stock when it has at least one unit on hand (units on order do not fill a shelf). */
export function storeInStock(onHand: number): boolean {
  return onHand > 0;
}

/** Stock of one product in one region, over the stores that reported it. */
export interface RegionStock {
  storesKnown: number;
  storesInStock: number;
}

/** The share of a region's reporting stores in stock (0 when none reported). */
export function inStockShare(stock: RegionStock): number {
  return stock.storesKnown === 0 ? 0 : stock.storesInStock / stock.storesKnown;
}

/**
 * A region is in stock while the share of its stores holding the product is at least `minInStockShare`: with 4
 * stores and the default 0.5, one or two empty shelves leave it in stock (a shopper finds the product in the next
 * store), a third takes it out.
 */
export function regionInStock(stock: RegionStock, minInStockShare: number): boolean {
  return stock.storesKnown > 0 && inStockShare(stock) >= minInStockShare;
}

/** A candidate substitute: a sibling product and its share in the region. */
export interface SubstituteCandidate {
  sku: string;
  share: number;
  inStock: boolean;
}

/**
 * The substitute for an out-of-stock product: among its siblings (same brand and category), the one in stock in
 * the region with the highest share, ties to the smaller sku. Null when none is in stock.
 */
export function pickSubstitute(candidates: readonly SubstituteCandidate[]): SubstituteCandidate | null {
  let best: SubstituteCandidate | null = null;
  for (const candidate of candidates) {
    if (!candidate.inStock) continue;
    if (
      best === null ||
      candidate.share > best.share ||
      (candidate.share === best.share && candidate.sku < best.sku)
    )
      best = candidate;
  }
  return best;
}
