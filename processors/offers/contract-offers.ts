/** The offers the contracts declare, as the offer engine takes them. */
import type { PartnerContract } from '../../policies/contracts/schema.ts';
import type { OfferDefinition } from './offer-rules.ts';

/**
 * Every offer of every BRAND contract, funded by that brand (its partner id).
 *
 * @example
 * const offers = offersOfContracts(registry.all().map(({ contract }) => contract));
 */
export function offersOfContracts(contracts: readonly PartnerContract[]): OfferDefinition[] {
  return contracts
    .filter((contract) => contract.kind === 'BRAND')
    .flatMap((contract) =>
      contract.offers.map((offer) => ({
        offerCode: offer.offerId,
        brand: contract.partnerId,
        sku: offer.sku,
        discountPercent: offer.discountPercent,
        segments: [...offer.segments],
        zones: [...offer.zones],
        validHours: offer.validHours,
        caps: { ...offer.caps },
      })),
    );
}
