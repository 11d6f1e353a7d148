/** The offer engine: personalized in-store offers for consenting shoppers, and the counts of the offer report. */
export {
  createOfferProcessor,
  offerTopics,
  DEFAULT_CELLS_PER_BRAND,
  DEFAULT_MAX_OFFERS_PER_SHOPPER_PER_DAY,
} from './offer-processor.ts';
export type { OfferInput, OfferProcessorOptions, OfferTopics } from './offer-processor.ts';
export { createOffersHost } from './offers-host.ts';
export type { OffersHostOptions } from './offers-host.ts';
export { affinity, dayOf, eligibility, pickOffer } from './offer-rules.ts';
export type { OfferCandidate, OfferDefinition, OfferRefusal } from './offer-rules.ts';
export type { OfferStatBounds } from './offer-stats.ts';
export { offersOfContracts } from './contract-offers.ts';
