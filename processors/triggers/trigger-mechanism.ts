/**
 * The differentially private release behind a demand trigger. For every (category, region, window) cell stage 2
 * judges, it draws noised units U' and noised distinct buyers B' with exact discrete Laplace noise:
 *
 * - the window's epsilon is split between the two (`buyersEpsilonShare` of it for B', the rest for U'), in whole
 *   millionths, so the two together never spend more than the window's epsilon;
 * - the scales follow stage 1's clamps: one buyer moves at most `maxCategoriesPerBuyer` cells of a window, each
 *   by at most `maxUnitsPerBuyer` units and one buyer, so U' has L1 sensitivity maxCategories x maxUnits and B'
 *   has maxCategories;
 * - a cell whose existence hangs on one buyer may be released only if its B' reaches the partition-selection
 *   threshold for (epsilon of B', delta, maxCategories): then one buyer makes a cell appear with probability at
 *   most delta over all its cells. The host's k floor applies on top.
 *
 * The noise of a cell is drawn from a keyed DRBG (policies/privacy `createKeyedRandomSource`) labelled with the
 * cell, so a replay after a crash releases the same values, and a partner without the host's noise key cannot
 * predict or subtract it. A cell's units noise is the same whether the cell had demand or not: stage 2 folds
 * windows without demand into the baseline with the same draw (see judge.ts).
 */
import {
  createKeyedRandomSource,
  epsilonToMicro,
  InvalidPrivacyParameterError,
  microToEpsilon,
  noisyCount,
  partitionSelectionThreshold,
} from '../../policies/privacy/index.ts';
import { DEFAULT_HOST_CONFIG } from '../../policies/contracts/index.ts';

/** The privacy settings of the trigger release (defaults: the host configuration's). */
export interface TriggerPrivacySettings {
  /** Epsilon each judged window spends, shared by U' and B' (default 1). */
  epsilon: number;
  /** Share of the epsilon given to the distinct-buyer count B' (default 0.5). */
  buyersEpsilonShare: number;
  /** Stage 1's clamp of units per buyer and cell in a window (default 5). */
  maxUnitsPerBuyer: number;
  /** Stage 1's clamp of cells per buyer in a window (default 3). */
  maxCategoriesPerBuyer: number;
  /** Delta of partition selection (default 1e-6). */
  partitionSelectionDelta: number;
  /** The host's k floor on B' (default 50). */
  minDistinctBuyers: number;
}

/** Defaults of {@link TriggerPrivacySettings}, from the default host configuration. */
export const TRIGGER_PRIVACY_DEFAULTS: TriggerPrivacySettings = {
  epsilon: DEFAULT_HOST_CONFIG.privacy.triggers.epsilonPerWindow,
  buyersEpsilonShare: 0.5,
  maxUnitsPerBuyer: DEFAULT_HOST_CONFIG.privacy.triggers.maxUnitsPerBuyer,
  maxCategoriesPerBuyer: DEFAULT_HOST_CONFIG.privacy.triggers.maxCategoriesPerBuyer,
  partitionSelectionDelta: DEFAULT_HOST_CONFIG.privacy.partitionSelectionDelta,
  minDistinctBuyers: DEFAULT_HOST_CONFIG.thresholdFloor,
};

/** The public parameters of the release (published with every trigger). */
export interface TriggerMechanismParameters {
  epsilon: number;
  unitsEpsilon: number;
  buyersEpsilon: number;
  /** L1 sensitivities the noise scales are computed from (scale = sensitivity / epsilon). */
  unitsSensitivity: number;
  buyersSensitivity: number;
  delta: number;
  /** B' must reach this: max(k floor, partition-selection threshold). */
  buyerThreshold: number;
  maxUnitsPerBuyer: number;
  maxCategoriesPerBuyer: number;
}

/** The release of one cell's figures. */
export interface TriggerMechanism {
  readonly parameters: TriggerMechanismParameters;
  /** U' of `key` (category|region) in the window starting at `windowStart` (ms). */
  noisedUnits(key: string, windowStart: number, boundedUnits: number): number;
  /** B' of `key` in the window starting at `windowStart`. */
  noisedBuyers(key: string, windowStart: number, boundedBuyers: number): number;
}

/**
 * The noise label of one measure of one cell: public, and unique per cell and measure whatever characters a
 * category or region holds (a JSON array, so no two cells can spell the same label).
 */
export function noiseLabel(measure: 'units' | 'buyers', key: string, windowStart: number): string {
  return JSON.stringify(['trigger', measure, key, new Date(windowStart).toISOString()]);
}

/**
 * Creates the mechanism from a 32-byte noise key (`deriveNoiseKey(hostSecret, 'trigger-noise')`) and settings.
 *
 * @example
 * const mechanism = createTriggerMechanism(noiseKey, { ...TRIGGER_PRIVACY_DEFAULTS, epsilon: 1 });
 * const released = mechanism.noisedUnits('plant_based_meat|west', windowStart, 161);
 */
export function createTriggerMechanism(
  noiseKey: Uint8Array,
  settings: Partial<TriggerPrivacySettings> = {},
): TriggerMechanism {
  const resolved = { ...TRIGGER_PRIVACY_DEFAULTS, ...settings };
  const { maxUnitsPerBuyer, maxCategoriesPerBuyer } = resolved;
  for (const [name, value] of Object.entries({ maxUnitsPerBuyer, maxCategoriesPerBuyer })) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new InvalidPrivacyParameterError(name, 'must be a positive integer');
  }
  if (!(resolved.buyersEpsilonShare > 0 && resolved.buyersEpsilonShare < 1)) {
    throw new InvalidPrivacyParameterError('buyersEpsilonShare', 'must be between 0 and 1 (exclusive)');
  }
  // Split in whole millionths, rounding both parts down: U' and B' together never spend more than epsilon.
  const epsilonMicro = epsilonToMicro(resolved.epsilon);
  const buyersMicro = Math.floor(epsilonMicro * resolved.buyersEpsilonShare);
  const unitsMicro = epsilonMicro - buyersMicro;
  if (buyersMicro < 1 || unitsMicro < 1) {
    throw new InvalidPrivacyParameterError('epsilon', 'too small to split between units and buyers');
  }
  const buyersEpsilon = microToEpsilon(buyersMicro);
  const unitsEpsilon = microToEpsilon(unitsMicro);
  const parameters: TriggerMechanismParameters = {
    epsilon: microToEpsilon(epsilonMicro),
    unitsEpsilon,
    buyersEpsilon,
    unitsSensitivity: maxCategoriesPerBuyer * maxUnitsPerBuyer,
    buyersSensitivity: maxCategoriesPerBuyer,
    delta: resolved.partitionSelectionDelta,
    buyerThreshold: Math.max(
      resolved.minDistinctBuyers,
      partitionSelectionThreshold({
        epsilon: buyersEpsilon,
        delta: resolved.partitionSelectionDelta,
        maxPartitionsContributed: maxCategoriesPerBuyer,
      }),
    ),
    maxUnitsPerBuyer,
    maxCategoriesPerBuyer,
  };
  if (noiseKey.length < 32) throw new InvalidPrivacyParameterError('noiseKey', 'must be at least 32 bytes');
  // Each measure draws its noise from its own keyed source, so units and buyers of one window stay independent.
  const noised =
    (measure: 'units' | 'buyers', epsilon: number, sensitivity: number) =>
    (key: string, windowStart: number, bounded: number): number =>
      keyedNoisyCount(noiseKey, noiseLabel(measure, key, windowStart), bounded, epsilon, sensitivity);
  return {
    parameters,
    noisedUnits: noised('units', unitsEpsilon, parameters.unitsSensitivity),
    noisedBuyers: noised('buyers', buyersEpsilon, parameters.buyersSensitivity),
  };
}

/**
 * A count with exact discrete Laplace noise drawn from the keyed DRBG under `label`: the same label always draws
 * the same noise (a replay releases the same value), and without the key nobody can predict or subtract it.
 *
 * @example
 * keyedNoisyCount(noiseKey, noiseLabel('units', 'plant_based_meat|west', windowStart), 212, 0.5, 10);
 */
export function keyedNoisyCount(
  noiseKey: Uint8Array,
  label: string,
  count: number,
  epsilon: number,
  sensitivity: number,
): number {
  return noisyCount(count, epsilon, sensitivity, createKeyedRandomSource(noiseKey, label));
}
