/**
 * The differentially private release behind a foot-traffic trigger. For every (region, window) cell the stage
 * judges it draws the noised entries E' = E + Z with exact discrete Laplace noise Z (integer arithmetic, a keyed
 * DRBG: policies/privacy `noisyCount` and `createKeyedRandomSource`), where E is the sum over the region's zone
 * sensor records in the window of min(count, maxEntriesPerRecord).
 *
 * What is protected, and why the clamp: a sensor count is anonymous, but it is not one person per unit — one
 * person walking in and out, or through several zones, is counted many times — so E is not a count of distinct
 * people and is never released as exact truth. The unit the bound holds for is the sensor record: adding or
 * removing one record moves E by at most maxEntriesPerRecord (its count is clamped to that before summing), so
 *
 *   L1 sensitivity of E = maxEntriesPerRecord  (noise scale = maxEntriesPerRecord / epsilon)
 *
 * and each judged window is epsilon-DP for one sensor record. For a person this is (n x epsilon /
 * maxEntriesPerRecord)-DP, n being how many times they were counted in the region's window (clamps only shrink
 * their effect): one entry costs epsilon / maxEntriesPerRecord, and up to maxEntriesPerRecord entries of one person
 * in one region-hour stay within epsilon.
 *
 * A region cell exists only because some record named the region, so a cell is released only if E' reaches the
 * partition-selection threshold for one record: P[maxEntriesPerRecord + Z >= threshold] <= delta. The host's k floor
 * applies on top (counted in entries, which is weaker than distinct people — the threshold above is the bound that
 * matters, and it is far higher than the floor).
 */
import {
  epsilonToMicro,
  InvalidPrivacyParameterError,
  microToEpsilon,
  partitionSelectionThreshold,
} from '../../policies/privacy/index.ts';
import { keyedNoisyCount } from './trigger-mechanism.ts';
import { DEFAULT_HOST_CONFIG, FOOT_TRAFFIC_HOST_DEFAULTS } from '../../policies/contracts/index.ts';

/** The privacy settings of the foot-traffic release (defaults: the host configuration's). */
export interface FootTrafficPrivacySettings {
  /** Epsilon each judged region-window spends (default 1). */
  epsilon: number;
  /** Clamp of one sensor record's count before summing: the sensitivity (default 100). */
  maxEntriesPerRecord: number;
  /** Delta of partition selection (default 1e-6). */
  partitionSelectionDelta: number;
  /** The host's k floor on E' (default 50). */
  minEntries: number;
}

/** Defaults of {@link FootTrafficPrivacySettings}. */
export const FOOT_TRAFFIC_PRIVACY_DEFAULTS: FootTrafficPrivacySettings = {
  epsilon: FOOT_TRAFFIC_HOST_DEFAULTS.epsilonPerWindow,
  maxEntriesPerRecord: FOOT_TRAFFIC_HOST_DEFAULTS.maxEntriesPerRecord,
  partitionSelectionDelta: DEFAULT_HOST_CONFIG.privacy.partitionSelectionDelta,
  minEntries: DEFAULT_HOST_CONFIG.thresholdFloor,
};

/** The public parameters of the release (published with every foot-traffic trigger). */
export interface FootTrafficMechanismParameters {
  epsilon: number;
  maxEntriesPerRecord: number;
  delta: number;
  /** E' must reach this: max(k floor, partition-selection threshold of one record). */
  entryThreshold: number;
}

/** The release of one region cell's entries. */
export interface FootTrafficMechanism {
  readonly parameters: FootTrafficMechanismParameters;
  /** E' of `key` (foot_traffic|region) in the window starting at `windowStart` (ms). */
  noisedEntries(key: string, windowStart: number, boundedEntries: number): number;
}

/** The public noise label of one region cell (a JSON array, so no two cells spell the same label). */
export function footTrafficNoiseLabel(key: string, windowStart: number): string {
  return JSON.stringify(['foot-traffic', 'entries', key, new Date(windowStart).toISOString()]);
}

/**
 * The smallest E' at which a region cell held up by one record may be released: that record adds at most
 * `maxEntriesPerRecord`, so the noise must reach threshold - maxEntriesPerRecord with probability at most delta.
 * `partitionSelectionThreshold` with one partition and epsilon / maxEntriesPerRecord has exactly the noise scale
 * maxEntriesPerRecord / epsilon and answers the threshold for a count of 1 (plus its one-unit margin); the record's
 * other maxEntriesPerRecord - 1 entries shift it up.
 */
export function footTrafficEntryThreshold(
  epsilon: number,
  delta: number,
  maxEntriesPerRecord: number,
): number {
  return (
    partitionSelectionThreshold({
      epsilon: epsilon / maxEntriesPerRecord,
      delta,
      maxPartitionsContributed: 1,
    }) +
    maxEntriesPerRecord -
    1
  );
}

/**
 * Creates the mechanism from a 32-byte noise key (`deriveNoiseKey(hostSecret, 'foot-traffic-noise')`).
 *
 * @example
 * const mechanism = createFootTrafficMechanism(noiseKey, { epsilon: 1, maxEntriesPerRecord: 100 });
 * const released = mechanism.noisedEntries('foot_traffic|west', windowStart, 2_140);
 */
export function createFootTrafficMechanism(
  noiseKey: Uint8Array,
  settings: Partial<FootTrafficPrivacySettings> = {},
): FootTrafficMechanism {
  const resolved = { ...FOOT_TRAFFIC_PRIVACY_DEFAULTS, ...settings };
  if (!Number.isSafeInteger(resolved.maxEntriesPerRecord) || resolved.maxEntriesPerRecord < 1)
    throw new InvalidPrivacyParameterError('maxEntriesPerRecord', 'must be a positive integer');
  if (noiseKey.length < 32) throw new InvalidPrivacyParameterError('noiseKey', 'must be at least 32 bytes');
  const epsilon = microToEpsilon(epsilonToMicro(resolved.epsilon));
  const parameters: FootTrafficMechanismParameters = {
    epsilon,
    maxEntriesPerRecord: resolved.maxEntriesPerRecord,
    delta: resolved.partitionSelectionDelta,
    entryThreshold: Math.max(
      resolved.minEntries,
      footTrafficEntryThreshold(epsilon, resolved.partitionSelectionDelta, resolved.maxEntriesPerRecord),
    ),
  };
  return {
    parameters,
    // The same draw for a cell whether or not it had entries: windows without records fold into the baseline
    // with noise alone (foot-traffic-judge.ts).
    noisedEntries: (key, windowStart, boundedEntries) =>
      keyedNoisyCount(
        noiseKey,
        footTrafficNoiseLabel(key, windowStart),
        boundedEntries,
        epsilon,
        parameters.maxEntriesPerRecord,
      ),
  };
}
