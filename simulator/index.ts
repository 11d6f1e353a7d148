/** The public face of the simulator: a seeded retail world, its event stream and its ground truth. */
export { simulate } from './simulation.ts';
export type { Simulation } from './simulation.ts';
export { createWorld, campaignEvents } from './world.ts';
export type { World, ClickFarm } from './world.ts';
export { resolveOptions, SIMULATION_DEFAULTS } from './options.ts';
export type {
  SimulationOptions,
  SurgeOptions,
  PlannedSurge,
  ResolvedOptions,
  ResolvedSurge,
  InventoryOptions,
  ResolvedInventory,
  InstoreOptions,
  ResolvedInstore,
  AdLine,
  AdServerPauses,
  AdBidLine,
  AdServerBids,
} from './options.ts';
export { AD_SERVER_BASE_WIN_RATE } from './ads.ts';
export { DEMO_SCHEDULE, demoSimulationOptions, demoStart, demoSurges } from './demo.ts';
export { demoAudience } from './sample-audience.ts';
export type { DemoAudience } from './sample-audience.ts';
export { recordText, toProduceMessage } from './record.ts';
export type { SimulatedRecord } from './record.ts';
export { writeJsonl, writeGroundTruth, toJsonlLine, parseJsonlLine, defaultTruthFile } from './jsonl.ts';
export type { WriteJsonlOptions, WriteJsonlResult } from './jsonl.ts';
export { writeToLog, createRawTopics } from './log-sink.ts';
export type { WriteToLogOptions, WriteToLogResult } from './log-sink.ts';
export { createProgressReporter, formatProgress } from './progress.ts';
export type { ProgressOptions, ProgressReporter } from './progress.ts';
export { measureSimulatorRate } from './bench.ts';
export { createRandom, createWeightedPicker } from './random.ts';
export type { Random, WeightedPicker } from './random.ts';
export {
  DATA_CENTRE_CIDRS,
  BROWSER_USER_AGENTS,
  BOT_USER_AGENTS,
  isDataCentreIp,
  ipv4InCidr,
} from './network.ts';
export { REGIONS, CATEGORIES, PARTNER_BRANDS, createCatalogue, createStores } from './catalogue.ts';
export type { Region, Store, Product, Catalogue, CategoryDefinition } from './catalogue.ts';
export { CAMPAIGN_IDS } from './campaigns.ts';
export type { SimulatedCampaign } from './campaigns.ts';
export { MALFORMED_KINDS } from './malformed.ts';
export { expectedBuyersPerHour } from './surge.ts';
export { SimulatorError, isSimulatorError } from './errors.ts';
export type { SimulatorErrorCode, SimulatorErrorContext } from './errors.ts';
export type {
  GroundTruth,
  InvalidReason,
  MalformedKind,
  InvalidEventTruth,
  CausedPurchaseTruth,
  ConsentChangeTruth,
  ReturnTruth,
  LateEventTruth,
  MalformedTruth,
  ClickFarmTruth,
  SurgeTruth,
  StockOutTruth,
  WastedImpressionTruth,
  InventoryTruth,
  InstoreTruth,
  ZoneEntryTruth,
} from './truth.ts';
