/** The offer engine as a processor host over its five inputs, with the topics it writes created up front. */
import { defineMergedStage } from '../runtime/index.ts';
import type { ProcessorHost, StageHostOptions } from '../runtime/index.ts';
import { createOfferProcessor, offerTopics } from './offer-processor.ts';
import type { OfferProcessorOptions } from './offer-processor.ts';

/** Options of {@link createOffersHost}. */
export type OffersHostOptions = StageHostOptions & OfferProcessorOptions;

/**
 * Create the offer engine's host: ONE task over every partition of its inputs (merged layout; see
 * offer-processor.ts for why), state in `<stateDir>/offers<suffix>/partition-0.sqlite`.
 *
 * @example
 * const host = createOffersHost({ log, stateDir: './data/state', offers: offersOfContracts(contracts) });
 * await host.start();
 */
export const createOffersHost: (options: OffersHostOptions) => ProcessorHost = defineMergedStage({
  name: 'offers',
  topics: offerTopics,
  // At one log time: consent, then the shelf and the shopper's segments and purchases, then the zone entry.
  inputs: ['consent', 'inventory', 'segmentChanges', 'events', 'instore'],
  outputs: ['offers', 'offerStats'],
  processor: createOfferProcessor,
});
