/** The inventory stage: stock status per store and region, and campaign line pauses for the host's ad server. */
export { createInventoryProcessor } from './inventory-processor.ts';
export type { InventoryProcessorOptions, InventoryInput } from './inventory-processor.ts';
export * from './inventory-host.ts';
export * from './campaign-products.ts';
export * from './stock-rules.ts';
