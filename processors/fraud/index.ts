/** The public face of the fraud (invalid-traffic) processor (DESIGN.md section 7). */
export * from './config.ts';
export * from './reasons.ts';
export * from './detector.ts';
export type { FraudOutput } from './context.ts';
export {
  FRAUD_STATE_TABLES,
  createFraudState,
  drainFraudStateChanges,
  restoreFraudState,
  snapshotFraudState,
} from './state.ts';
export type {
  FraudState,
  FraudStateSnapshot,
  FraudStateChange,
  FraudStateTable,
  EventMemory,
} from './state.ts';
export * from './errors.ts';
export * from './topics.ts';
export * from './router.ts';
export * from './detector-runner.ts';
export * from './processor.ts';
export * from './bench.ts';
