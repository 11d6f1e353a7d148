/** The bidding stage as a processor host over its five inputs, with the topic it writes created up front. */
import { defineMergedStage } from '../runtime/index.ts';
import type { ProcessorHost, StageHostOptions } from '../runtime/index.ts';
import { biddingTopics, createBiddingProcessor } from './bidding-processor.ts';
import type { BiddingProcessorOptions } from './bidding-processor.ts';

/** Options of {@link createBiddingHost}. */
export type BiddingHostOptions = StageHostOptions & BiddingProcessorOptions;

/**
 * Create the bidding host: ONE task over every partition of `cleanroom.campaigns`, `cleanroom.stock`,
 * `cleanroom.events`, `cleanroom.ivt` and `cleanroom.consent` (merged layout; see bidding-processor.ts for why), state in
 * `<stateDir>/bidding<suffix>/partition-0.sqlite`.
 *
 * @example
 * const host = createBiddingHost({ log, stateDir: './data/state' });
 * await host.start();
 */
export const createBiddingHost: (options: BiddingHostOptions) => ProcessorHost = defineMergedStage({
  name: 'bidding',
  topics: biddingTopics,
  // At one log time: a campaign before the stock and events that concern it, an event before its verdict, a
  // consent change last (ingest writes it beside the event that carried it).
  inputs: ['campaigns', 'stock', 'events', 'ivt', 'consent'],
  compacted: ['campaigns'],
  outputs: ['bids'],
  processor: createBiddingProcessor,
});
