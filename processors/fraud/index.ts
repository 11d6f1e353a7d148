/** The public face of the fraud (invalid-traffic) processor (DESIGN.md section 7). */
export { DEFAULT_FRAUD_CONFIG, resolveFraudConfig } from './config.ts';
export type { FraudConfig, FraudConfigInput } from './config.ts';
export { GIVT_REASONS, SIVT_REASONS, tierOf } from './reasons.ts';
export type { GivtReason, SivtReason, IvtReason } from './reasons.ts';
export { createFraudDetector } from './detector.ts';
export type { FraudDetector, FraudDetectorOptions } from './detector.ts';
export type { FraudOutput } from './context.ts';
// The detector's snapshot and change types are part of its interface; building and restoring its state is its own.
export type { FraudStateSnapshot, FraudStateChange, FraudStateTable, EventMemory } from './state.ts';
export { FraudError } from './errors.ts';
export type { FraudErrorCode, FraudErrorContext } from './errors.ts';
export { FRAUD_INPUT_TOPIC, fraudTopics } from './topics.ts';
export type { FraudTopics } from './topics.ts';
export { createFraudRouter, fraudInputOutput, isFraudInput } from './router.ts';
export { createDetectorProcessor } from './detector-processor.ts';
export { createDetectorHost } from './detector-host.ts';
export type { DetectorHostOptions } from './detector-host.ts';
export { createFraudProcessor } from './processor.ts';
export type { FraudProcessor, FraudProcessorOptions, FraudStats } from './processor.ts';
export { measureFraudDetector } from './bench.ts';
export type { FraudBenchResult } from './bench.ts';
