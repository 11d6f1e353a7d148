/**
 * Cross-industry triggers: a repartition stage and a windowed lift-over-baseline stage, over purchases (demand) and
 * over zone-sensor foot traffic.
 */
export { DEMAND_TOPIC, demandKey, createDemandRepartitioner } from './demand.ts';
export type { DemandRecord, DemandPartial, WindowClosed, DemandRepartitionerOptions } from './demand.ts';
export { createTriggerProcessor, TRIGGER_DEFAULTS } from './trigger-processor.ts';
export type { TriggerOptions, TriggerProcessorOptions } from './trigger-processor.ts';
export { EMPTY_BASELINE, catchUpBaseline, judgeWindow } from './judge.ts';
export type { BaselineState, JudgeSettings, WindowJudgement } from './judge.ts';
export { TRIGGER_PRIVACY_DEFAULTS, createTriggerMechanism, noiseLabel } from './trigger-mechanism.ts';
export type { TriggerMechanism } from './trigger-mechanism.ts';
export { createTriggerHosts } from './trigger-hosts.ts';
export type { TriggerHostsOptions, TriggerHosts } from './trigger-hosts.ts';
export { createCellRepartitioner } from './demand.ts';
export type { CellContribution, CellInput } from './demand.ts';
export { createCellJudgeProcessor } from './trigger-processor.ts';
export type { CellJudge, WindowState } from './trigger-processor.ts';
export { FOOT_TRAFFIC_TOPIC, createFootTrafficRepartitioner } from './foot-traffic.ts';
export type { FootTrafficOptions, FootTrafficRepartitionerOptions } from './foot-traffic.ts';
export { EMPTY_SEASONAL_BASELINE, judgeFootTrafficWindow, seasonSlot } from './foot-traffic-judge.ts';
export type { FootTrafficJudgeSettings, SeasonalBaseline } from './foot-traffic-judge.ts';
export { createFootTrafficMechanism, footTrafficEntryThreshold } from './foot-traffic-mechanism.ts';
export type { FootTrafficMechanism } from './foot-traffic-mechanism.ts';
export { createFootTrafficHosts } from './foot-traffic-hosts.ts';
export type { FootTrafficHostsOptions } from './foot-traffic-hosts.ts';
