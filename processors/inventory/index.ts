/** The inventory stage: stock status per store and region, and campaign line pauses for the host's ad server. */
export { createInventoryProcessor } from './inventory-processor.ts';
export type { InventoryProcessorOptions, InventoryInput } from './inventory-processor.ts';
export { createInventoryHost } from './inventory-host.ts';
export type { InventoryHostOptions } from './inventory-host.ts';
export { promotes } from './campaign-products.ts';
export type { ProductFacts } from './campaign-products.ts';
// The rest of stock-rules.ts (shares, substitutes) is the stage's own: no other folder uses it.
export { DEFAULT_MIN_IN_STOCK_SHARE, storeInStock } from './stock-rules.ts';
