/** The inventory stage as a processor host over its two inputs, with the topics it writes created up front. */
import { createMergedStageHost } from '../runtime/index.ts';
import type { Log, ProcessorHost } from '../runtime/index.ts';
import { createInventoryProcessor, inventoryTopics } from './inventory-processor.ts';
import type { InventoryProcessorOptions } from './inventory-processor.ts';

/** Options of {@link createInventoryHost}. */
export interface InventoryHostOptions extends InventoryProcessorOptions {
  log: Log;
  stateDir: string;
  /** Suffix of the processor name (and so of its group id and state folder), e.g. for tests. */
  nameSuffix?: string;
  onError?: (error: unknown) => void;
}

/**
 * Create the inventory host: ONE task over every partition of `cleanroom.inventory` and `cleanroom.campaigns`
 * (merged layout), state in `<stateDir>/inventory<suffix>/partition-0.sqlite`.
 *
 * @example
 * const host = createInventoryHost({ log, stateDir: './data/state', substitutionBrands: ['sparkle-soda'] });
 * await host.start();
 */
export function createInventoryHost(options: InventoryHostOptions): ProcessorHost {
  const { log, stateDir, nameSuffix, onError, ...processorOptions } = options;
  const topics = inventoryTopics(options.topics);
  return createMergedStageHost({
    log,
    stateDir,
    name: 'inventory',
    ...(nameSuffix === undefined ? {} : { nameSuffix }),
    // Campaigns first: at one log time a campaign is known before the counts that may pause it.
    inputTopics: [topics.campaigns, topics.inventory],
    compactedTopics: [topics.campaigns],
    outputTopics: [topics.stock, topics.campaignPauses],
    processor: createInventoryProcessor({ ...processorOptions, topics }),
    ...(onError === undefined ? {} : { onError }),
  });
}
