/**
 * The offer report's counts, kept by the offer engine (the only place that sees which shopper got which offer):
 * per brand, day (UTC, of the offer) and region, the shoppers offered, the offers made and those redeemed.
 *
 * Each shopper's contribution is bounded here, where it is counted, before anything reaches a partner: a shopper
 * counts in at most `cellsPerBrand` day-and-region cells of a brand (the earliest), and in a cell adds one shopper
 * and at most `offersPerShopperPerDay` offers made and as many redeemed, whatever the engine's caps let through (its
 * daily counter forgets days before yesterday, so entries that arrive more than a day late meet a fresh one). Only a
 * shopper whose consent allows measurement is counted, and a shopper who withdraws it or is erased leaves every
 * bounded sum it was in. The exact figures are the host's.
 */
import type { OfferStat } from '../../schema/topics.ts';
import type { KeyedState, ProcessorContext } from '../runtime/index.ts';

/** A shopper's place in one cell, and what it added to the cell's bounded sums. */
interface ShopperCell {
  /** Whether this cell is among the shopper's kept (bounded) cells of the brand. */
  kept: boolean;
  /** Offers made and redeemed this shopper added to the bounded sums (absent in state written before the clamp). */
  made?: number;
  redeemed?: number;
  /** The cell (absent in state written before; then read from the state name). */
  cell?: OfferCell;
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

const cellNameOf = (cell: OfferCell): string => `cell:${cell.brand}|${cell.day}|${cell.region}`;

/** The stored row of a cell, or a new one. */
function statOf(ctx: ProcessorContext, cell: OfferCell, bounds: OfferStatBounds): OfferStat {
  const statId = `offer-stats:${cell.brand}:${cell.day}:${cell.region}`;
  return (
    ctx.stateOf.forKey(`stats:${cell.brand}`).get<OfferStat>(`${cell.day}|${cell.region}`) ?? {
      statId,
      version: 0,
      brand: cell.brand,
      day: cell.day,
      region: cell.region,
      offeredSubjects: 0,
      offersMade: 0,
      offersRedeemed: 0,
      bounded: { offeredSubjects: 0, offersMade: 0, offersRedeemed: 0, bounds: { ...bounds } },
    }
  );
}

/** Store and emit a restated cell; its recorded bounds are the largest in force whenever it changed. */
function restate(ctx: ProcessorContext, row: OfferStat, bounds: OfferStatBounds, topic: string): void {
  row.version += 1;
  const recorded = row.bounded.bounds;
  row.bounded.bounds = {
    cellsPerBrand: Math.max(recorded.cellsPerBrand, bounds.cellsPerBrand),
    offersPerShopperPerDay: Math.max(recorded.offersPerShopperPerDay, bounds.offersPerShopperPerDay),
  };
  ctx.stateOf.forKey(`stats:${row.brand}`).put(`${row.day}|${row.region}`, row);
  ctx.emit({ topic, key: row.brand, value: row, outputId: `${row.statId}:${row.version}` });
}

/**
 * Count an offer made (`made`) or redeemed (`redeemed`) and emit the restated cell to `topic`. `measurable`: the
 * shopper's consent allows measurement (otherwise only the host's exact figures count it).
 */
export function countOffer(
  ctx: ProcessorContext,
  shopper: KeyedState,
  cell: OfferCell,
  what: 'made' | 'redeemed',
  bounds: OfferStatBounds,
  topic: string,
  measurable: boolean,
): void {
  const cellName = cellNameOf(cell);
  let mine = shopper.get<ShopperCell>(cellName);
  const newShopper = mine === undefined;
  if (mine === undefined) {
    const keptSoFar = shopper.get<number>(`cells:${cell.brand}`) ?? 0;
    mine = { kept: measurable && keptSoFar < bounds.cellsPerBrand, made: 0, redeemed: 0, cell };
    if (mine.kept) shopper.put(`cells:${cell.brand}`, keptSoFar + 1);
  }
  const row = statOf(ctx, cell, bounds);
  if (newShopper) row.offeredSubjects += 1;
  if (what === 'made') row.offersMade += 1;
  else row.offersRedeemed += 1;
  if (mine.kept && measurable) {
    if (newShopper) row.bounded.offeredSubjects += 1;
    const added = (what === 'made' ? mine.made : mine.redeemed) ?? 0;
    if (added < bounds.offersPerShopperPerDay) {
      if (what === 'made') {
        row.bounded.offersMade += 1;
        mine.made = added + 1;
      } else {
        row.bounded.offersRedeemed += 1;
        mine.redeemed = added + 1;
      }
    }
  }
  shopper.put(cellName, mine);
  restate(ctx, row, bounds, topic);
}

/**
 * Take a shopper out of every bounded sum it is in (measurement withdrawn, or erasure before its state is
 * cleared), restating each cell. Its cells stay counted against `cellsPerBrand` until its state is cleared.
 */
export function withdrawFromOfferStats(
  ctx: ProcessorContext,
  shopper: KeyedState,
  bounds: OfferStatBounds,
  topic: string,
): void {
  for (const name of shopper.names('cell:')) {
    const mine = shopper.get<ShopperCell>(name);
    if (mine === undefined || !mine.kept) continue;
    const [brand = '', day = '', region = ''] = name.slice('cell:'.length).split('|');
    const cell = mine.cell ?? { brand, day, region };
    const row = statOf(ctx, cell, bounds);
    row.bounded.offeredSubjects = Math.max(0, row.bounded.offeredSubjects - 1);
    row.bounded.offersMade = Math.max(0, row.bounded.offersMade - (mine.made ?? 0));
    row.bounded.offersRedeemed = Math.max(0, row.bounded.offersRedeemed - (mine.redeemed ?? 0));
    shopper.put(name, { ...mine, kept: false, made: 0, redeemed: 0 } satisfies ShopperCell);
    restate(ctx, row, bounds, topic);
  }
}
