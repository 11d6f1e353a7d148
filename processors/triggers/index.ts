/** Cross-industry demand triggers: a repartition stage and a windowed lift-over-baseline stage. */
export {
  DEMAND_TOPIC,
  DEMAND_INPUT_TOPIC,
  demandRecordSchema,
  demandPartialSchema,
  windowClosedSchema,
  demandKey,
  windowName,
  boundBuyer,
  createDemandRepartitioner,
} from './demand.ts';
export type { DemandRecord, DemandPartial, WindowClosed, DemandRepartitionerOptions } from './demand.ts';
export { createTriggerProcessor, TRIGGER_DEFAULTS } from './trigger-processor.ts';
export type { TriggerOptions, TriggerProcessorOptions } from './trigger-processor.ts';
export { EMPTY_BASELINE, catchUpBaseline, judgeWindow } from './judge.ts';
export type { BaselineState, JudgeSettings, WindowJudgement } from './judge.ts';
export { TRIGGER_PRIVACY_DEFAULTS, createTriggerMechanism, noiseLabel } from './trigger-mechanism.ts';
export type {
  TriggerMechanism,
  TriggerMechanismParameters,
  TriggerPrivacySettings,
} from './trigger-mechanism.ts';
export { createTriggerHosts } from './trigger-hosts.ts';
export type { TriggerHostsOptions, TriggerHosts } from './trigger-hosts.ts';
