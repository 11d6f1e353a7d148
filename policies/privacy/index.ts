export {
  PrivacyError,
  BelowThresholdError,
  BudgetExhaustedError,
  InvalidPrivacyParameterError,
} from './errors.ts';
export type { PrivacyErrorCode, BudgetExhaustedContext } from './errors.ts';
export {
  createCryptoRandomSource,
  uniformBelow,
  uniformBelowSmall,
  bernoulliRational,
} from './random-source.ts';
export type { RandomSource } from './random-source.ts';
export { createHmacDrbg } from './hmac-drbg.ts';
export type { HmacDrbg } from './hmac-drbg.ts';
export { createKeyedRandomSource, deriveNoiseKey } from './keyed-random-source.ts';
export { bernoulliExpNeg, sampleDiscreteLaplace, discreteLaplacePmf } from './discrete-laplace.ts';
export type { PositiveInteger } from './discrete-laplace.ts';
export {
  EPSILON_DECIMAL_PLACES,
  decimalToMicroUnits,
  epsilonToRational,
  epsilonToMicro,
  microToEpsilon,
} from './rational.ts';
export type { Rational } from './rational.ts';
export { noisyCount } from './noisy-count.ts';
export { clampContributions, boundedSum } from './contribution.ts';
export { applyThreshold, requireThreshold } from './threshold.ts';
export type { NumericField, FilteredRowsSummary, ThresholdResult } from './threshold.ts';
export { BUDGET_WINDOWS, budgetWindowBounds } from './budget-window.ts';
export type { BudgetWindow } from './budget-window.ts';
export { createBudgetLedger } from './budget-ledger.ts';
export type { BudgetKey, BudgetStatus, SpendResult, BudgetLedger } from './budget-ledger.ts';
export { createSharedBudgetLedger } from './shared-budget-ledger.ts';
export type { SharedBudgetLedger } from './shared-budget-ledger.ts';
export { partitionSelectionThreshold, discreteLaplaceUpperTail } from './partition-selection.ts';
export type { PartitionSelectionParameters } from './partition-selection.ts';
export { createContinualCounter, coveringNodes, treeLevels } from './continual-counter.ts';
export type {
  ContinualCounter,
  ContinualCounterOptions,
  ContinualCounterState,
  TreeNode,
} from './continual-counter.ts';
