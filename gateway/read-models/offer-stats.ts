/**
 * The offer report's read model: the latest restatement of each cell (brand, day, region) of
 * `cleanroom.offer-stats`. No shopper is in it; the offer engine counted them (exact and bounded).
 */
import type { OfferStat } from '../../schema/index.ts';

/** The cells of every brand's offer report. */
export interface OfferStatsModel {
  apply(stat: OfferStat): void;
  get(brand: string, day: string, region: string): OfferStat | undefined;
}

/** Create an empty offer report model. */
export function createOfferStatsModel(): OfferStatsModel {
  const cells = new Map<string, OfferStat>();
  const keyOf = (brand: string, day: string, region: string): string => `${brand}\u0000${day}\u0000${region}`;
  return {
    apply(stat) {
      const key = keyOf(stat.brand, stat.day, stat.region);
      const known = cells.get(key);
      // A replay or a late copy of an older restatement never moves a cell back.
      if (known !== undefined && known.version >= stat.version) return;
      cells.set(key, stat);
    },
    get: (brand, day, region) => cells.get(keyOf(brand, day, region)),
  };
}
