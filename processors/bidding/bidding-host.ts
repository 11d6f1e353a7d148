/** The bidding stage as a processor host over its four inputs, with the topic it writes created up front. */
import { createMergedStageHost } from '../runtime/index.ts';
import type { Log, ProcessorHost } from '../runtime/index.ts';
import { biddingTopics, createBiddingProcessor } from './bidding-processor.ts';
import type { BiddingProcessorOptions } from './bidding-processor.ts';

/** Options of {@link createBiddingHost}. */
export interface BiddingHostOptions extends BiddingProcessorOptions {
  log: Log;
  stateDir: string;
  /** Suffix of the processor name (and so of its group id and state folder), e.g. for tests. */
  nameSuffix?: string;
  onError?: (error: unknown) => void;
}

/**
 * Create the bidding host: ONE task over every partition of `cleanroom.campaigns`, `cleanroom.stock`,
 * `cleanroom.events` and `cleanroom.ivt` (merged layout; see bidding-processor.ts for why), state in
 * `<stateDir>/bidding<suffix>/partition-0.sqlite`.
 *
 * @example
 * const host = createBiddingHost({ log, stateDir: './data/state' });
 * await host.start();
 */
export function createBiddingHost(options: BiddingHostOptions): ProcessorHost {
  const { log, stateDir, nameSuffix, onError, ...processorOptions } = options;
  const topics = biddingTopics(options.topics);
  return createMergedStageHost({
    log,
    stateDir,
    name: 'bidding',
    ...(nameSuffix === undefined ? {} : { nameSuffix }),
    // At one log time: a campaign before the stock and events that concern it, an event before its verdict, a
    // consent change last (ingest writes it beside the event that carried it).
    inputTopics: [topics.campaigns, topics.stock, topics.events, topics.ivt, topics.consent],
    compactedTopics: [topics.campaigns],
    outputTopics: [topics.bids],
    processor: createBiddingProcessor({ ...processorOptions, topics }),
    ...(onError === undefined ? {} : { onError }),
  });
}
