/**
 * The offer report's counts, kept by the offer engine (the only place that sees which shopper got which offer):
 * per brand, day (UTC, of the offer) and region, the shoppers offered, the offers made and those redeemed.
 *
 * Each shopper's contribution is bounded before anything reaches a partner: a shopper counts in at most
 * `cellsPerBrand` day-and-region cells of a brand (the earliest), and in a cell adds one shopper and at most the
 * daily cap of offers (made and redeemed). The exact figures are the host's.
 */
import type { OfferStat } from '../../schema/topics.ts';
import type { KeyedState, ProcessorContext } from '../runtime/index.ts';

/** A shopper's place in one cell. */
interface ShopperCell {
  /** Whether this cell is among the shopper's kept (bounded) cells of the brand. */
  kept: boolean;
}

/** Bounds of the released counts. */
export interface OfferStatBounds {
  cellsPerBrand: number;
  offersPerShopperPerDay: number;
}

/** Where a count goes: the brand, day and region of the offer, and the shopper it concerns. */
export interface OfferCell {
  brand: string;
  day: string;
  region: string;
}

/** Count an offer made (`made`) or redeemed (`redeemed`) and emit the restated cell to `topic`. */
export function countOffer(
  ctx: ProcessorContext,
  shopper: KeyedState,
  cell: OfferCell,
  what: 'made' | 'redeemed',
  bounds: OfferStatBounds,
  topic: string,
): void {
  const cellName = `cell:${cell.brand}|${cell.day}|${cell.region}`;
  let mine = shopper.get<ShopperCell>(cellName);
  const newShopper = mine === undefined;
  if (mine === undefined) {
    const keptSoFar = shopper.get<number>(`cells:${cell.brand}`) ?? 0;
    mine = { kept: keptSoFar < bounds.cellsPerBrand };
    if (mine.kept) shopper.put(`cells:${cell.brand}`, keptSoFar + 1);
    shopper.put(cellName, mine);
  }
  const stats = ctx.stateOf.forKey(`stats:${cell.brand}`);
  const rowName = `${cell.day}|${cell.region}`;
  const statId = `offer-stats:${cell.brand}:${cell.day}:${cell.region}`;
  const row: OfferStat = stats.get<OfferStat>(rowName) ?? {
    statId,
    version: 0,
    brand: cell.brand,
    day: cell.day,
    region: cell.region,
    offeredSubjects: 0,
    offersMade: 0,
    offersRedeemed: 0,
    bounded: { offeredSubjects: 0, offersMade: 0, offersRedeemed: 0, bounds: { ...bounds } },
  };
  row.version += 1;
  if (newShopper) row.offeredSubjects += 1;
  if (what === 'made') row.offersMade += 1;
  else row.offersRedeemed += 1;
  if (mine.kept) {
    if (newShopper) row.bounded.offeredSubjects += 1;
    if (what === 'made') row.bounded.offersMade += 1;
    else row.bounded.offersRedeemed += 1;
  }
  stats.put(rowName, row);
  ctx.emit({ topic, key: cell.brand, value: row, outputId: `${statId}:${row.version}` });
}
