/** Cross-industry demand triggers: a repartition stage and a windowed lift-over-baseline stage. */
export {
  DEMAND_TOPIC,
  DEMAND_INPUT_TOPIC,
  demandRecordSchema,
  demandPartialSchema,
  windowClosedSchema,
  demandKey,
  windowName,
  createDemandRepartitioner,
} from './demand.ts';
export type { DemandRecord, DemandPartial, WindowClosed, DemandRepartitionerOptions } from './demand.ts';
export { createTriggerProcessor, TRIGGER_DEFAULTS } from './trigger-processor.ts';
export type { TriggerOptions, BaselineState, WindowJudgement } from './trigger-processor.ts';
export { createTriggerHosts } from './trigger-hosts.ts';
export type { TriggerHostsOptions, TriggerHosts } from './trigger-hosts.ts';
