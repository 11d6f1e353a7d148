/**
 * The offer engine's rules, apart from its state handling so they can be read (and tested) on their own: which
 * declared offers a shopper entering a zone is eligible for, and which one of them to make.
 */

/** A brand-funded offer as a contract declares it (`offers[]`), with the brand that funds it. */
export interface OfferDefinition {
  /** The contract's id of the offer (unique per brand). */
  offerCode: string;
  brand: string;
  sku: string;
  discountPercent: number;
  /** The shopper must be a member of one of these segments (empty: anyone who buys the product or its category). */
  segments: readonly string[];
  /** Zones whose entry may trigger the offer (empty: any zone). */
  zones: readonly string[];
  /** How long after it is made a purchase of the product redeems it. */
  validHours: number;
  caps: {
    /** Times one shopper may get this offer in one day (UTC). */
    perShopperPerDay: number;
    /** Times this offer may be made in one day (UTC), over every shopper and store. */
    perDay: number;
  };
}

/** What the engine knows when a shopper enters a zone, for one candidate offer. */
export interface OfferCandidate {
  offer: OfferDefinition;
  /** The product is in stock in the store the shopper is in (a store that never reported it is not). */
  inStock: boolean;
  /** The shopper is in one of the offer's segments (true when it names none). */
  inSegment: boolean;
  /** Times this shopper got this offer today. */
  madeToShopperToday: number;
  /** Times this offer was made today. */
  madeToday: number;
  /** The shopper's earlier purchases (units) of the product and of its category. */
  boughtProduct: number;
  boughtCategory: number;
}

/** Why a candidate was not made (counted per reason, so an operator sees what holds offers back). */
export type OfferRefusal = 'zone' | 'out-of-stock' | 'segment' | 'shopper-cap' | 'daily-cap' | 'not-a-buyer';

/** Whether a candidate may be made, or why not. */
export function eligibility(candidate: OfferCandidate, zone: string): OfferRefusal | null {
  const { offer } = candidate;
  if (offer.zones.length > 0 && !offer.zones.includes(zone)) return 'zone';
  if (!candidate.inStock) return 'out-of-stock';
  if (!candidate.inSegment) return 'segment';
  if (candidate.madeToShopperToday >= offer.caps.perShopperPerDay) return 'shopper-cap';
  if (candidate.madeToday >= offer.caps.perDay) return 'daily-cap';
  if (offer.segments.length === 0 && candidate.boughtProduct + candidate.boughtCategory === 0)
    return 'not-a-buyer';
  return null;
}

/**
 * Likelihood that the shopper uses the offer, as a rank: a product they buy counts three times a unit of its
 * category, then the deeper discount.
 */
export function affinity(candidate: OfferCandidate): number {
  return 3 * candidate.boughtProduct + candidate.boughtCategory;
}

/**
 * The offer to make among eligible candidates: the highest affinity, then the deeper discount, then the smaller
 * brand and offer code (so the choice is a function of the input alone). Null when none is eligible.
 */
export function pickOffer(eligible: readonly OfferCandidate[]): OfferCandidate | null {
  let best: OfferCandidate | null = null;
  for (const candidate of eligible) {
    if (best === null) {
      best = candidate;
      continue;
    }
    const byAffinity = affinity(candidate) - affinity(best);
    const byDiscount = candidate.offer.discountPercent - best.offer.discountPercent;
    const byName =
      `${best.offer.brand}|${best.offer.offerCode}` > `${candidate.offer.brand}|${candidate.offer.offerCode}`;
    if (byAffinity > 0 || (byAffinity === 0 && (byDiscount > 0 || (byDiscount === 0 && byName))))
      best = candidate;
  }
  return best;
}

/** The UTC day (`YYYY-MM-DD`) of an ISO date-time. */
export function dayOf(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().slice(0, 10);
}
