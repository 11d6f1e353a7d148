/** The inventory stage as a processor host over its two inputs, with the topics it writes created up front. */
import { defineMergedStage } from '../runtime/index.ts';
import type { ProcessorHost, StageHostOptions } from '../runtime/index.ts';
import { createInventoryProcessor, inventoryTopics } from './inventory-processor.ts';
import type { InventoryProcessorOptions } from './inventory-processor.ts';

/** Options of {@link createInventoryHost}. */
export type InventoryHostOptions = StageHostOptions & InventoryProcessorOptions;

/**
 * Create the inventory host: ONE task over every partition of `cleanroom.inventory` and `cleanroom.campaigns`
 * (merged layout), state in `<stateDir>/inventory<suffix>/partition-0.sqlite`.
 *
 * @example
 * const host = createInventoryHost({ log, stateDir: './data/state', substitutionBrands: ['sparkle-soda'] });
 * await host.start();
 */
export const createInventoryHost: (options: InventoryHostOptions) => ProcessorHost = defineMergedStage({
  name: 'inventory',
  topics: inventoryTopics,
  // Campaigns first: at one log time a campaign is known before the counts that may pause it.
  inputs: ['campaigns', 'inventory'],
  compacted: ['campaigns'],
  outputs: ['stock', 'campaignPauses'],
  processor: createInventoryProcessor,
});
