/** The offer engine as a processor host over its five inputs, with the topics it writes created up front. */
import { createMergedStageHost } from '../runtime/index.ts';
import type { Log, ProcessorHost } from '../runtime/index.ts';
import { createOfferProcessor, offerTopics } from './offer-processor.ts';
import type { OfferProcessorOptions } from './offer-processor.ts';

/** Options of {@link createOffersHost}. */
export interface OffersHostOptions extends OfferProcessorOptions {
  log: Log;
  stateDir: string;
  /** Suffix of the processor name (and so of its group id and state folder), e.g. for tests. */
  nameSuffix?: string;
  onError?: (error: unknown) => void;
}

/**
 * Create the offer engine's host: ONE task over every partition of its inputs (merged layout; see
 * offer-processor.ts for why), state in `<stateDir>/offers<suffix>/partition-0.sqlite`.
 *
 * @example
 * const host = createOffersHost({ log, stateDir: './data/state', offers: offersOfContracts(contracts) });
 * await host.start();
 */
export function createOffersHost(options: OffersHostOptions): ProcessorHost {
  const { log, stateDir, nameSuffix, onError, ...processorOptions } = options;
  const topics = offerTopics(options.topics);
  return createMergedStageHost({
    log,
    stateDir,
    name: 'offers',
    ...(nameSuffix === undefined ? {} : { nameSuffix }),
    // At one log time: consent, then the shelf and the shopper's segments and purchases, then the zone entry.
    inputTopics: [topics.consent, topics.inventory, topics.segmentChanges, topics.events, topics.instore],
    outputTopics: [topics.offers, topics.offerStats],
    processor: createOfferProcessor({ ...processorOptions, topics }),
    ...(onError === undefined ? {} : { onError }),
  });
}
