/** The bidding stage: a bid multiplier per campaign and placement, with its reasons, for the host's ad server. */
export { createBiddingProcessor, biddingTopics } from './bidding-processor.ts';
export type { BiddingProcessorOptions, BiddingInput, ContributionBounds } from './bidding-processor.ts';
export { createBiddingHost } from './bidding-host.ts';
export type { BiddingHostOptions } from './bidding-host.ts';
export { addDecayed, decayedValue } from './decayed-count.ts';
export type { DecayedCount } from './decayed-count.ts';
