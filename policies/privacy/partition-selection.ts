import { InvalidPrivacyParameterError } from './errors.ts';

/** What DP partition selection needs to know. */
export interface PartitionSelectionParameters {
  /** Epsilon of the noised distinct-subject count that decides whether a partition is kept. */
  epsilon: number;
  /** Most likely a partition that exists only because of one subject may be released, over all its partitions. */
  delta: number;
  /** Most partitions one subject contributes to (the count's sensitivity, and the union bound of `delta`). */
  maxPartitionsContributed: number;
}

/**
 * The smallest noised distinct-subject count at which a partition (a report row, a trigger) whose very
 * existence depends on the data may be released, so that the release is (epsilon, delta)-DP ("Laplace
 * thresholding", as Google's differential-privacy library selects partitions, with discrete Laplace noise).
 *
 * The count of a partition is released as `count + Z`, Z two-sided geometric with scale t = L0 / epsilon
 * (P[Z = z] proportional to exp(-|z| / t)). A partition held up by one subject has count 1 and must pass with
 * probability at most delta / L0 (a union bound over the L0 partitions that subject can create):
 * P[Z >= m] = exp(-m / t) / (1 + exp(-1 / t)) for m >= 1, so tau = 1 + ceil(t * (ln(L0 / delta) -
 * ln(1 + exp(-1 / t)))). The result is a parameter, not a sample: floating point here moves tau by at most one,
 * and one is added on top as a safety margin.
 *
 * @example
 * partitionSelectionThreshold({ epsilon: 0.5, delta: 1e-6, maxPartitionsContributed: 4 }); // 119
 */
export function partitionSelectionThreshold(parameters: PartitionSelectionParameters): number {
  const { epsilon, delta, maxPartitionsContributed } = parameters;
  if (!Number.isFinite(epsilon) || epsilon <= 0) {
    throw new InvalidPrivacyParameterError('epsilon', 'must be a finite positive number');
  }
  if (!Number.isFinite(delta) || delta <= 0 || delta >= 1) {
    throw new InvalidPrivacyParameterError('delta', 'must be in (0, 1)');
  }
  if (!Number.isSafeInteger(maxPartitionsContributed) || maxPartitionsContributed < 1) {
    throw new InvalidPrivacyParameterError('maxPartitionsContributed', 'must be a positive integer');
  }
  const scale = maxPartitionsContributed / epsilon;
  const perPartitionDelta = delta / maxPartitionsContributed;
  const tail = scale * (Math.log(1 / perPartitionDelta) - Math.log1p(Math.exp(-1 / scale)));
  return 1 + Math.max(0, Math.ceil(tail)) + 1;
}

/**
 * The probability that discrete Laplace noise of scale `scale` is at least `m` (m >= 1), exactly as the
 * threshold above assumes; for tests and the privacy officer's guide.
 */
export function discreteLaplaceUpperTail(scale: number, m: number): number {
  if (!(scale > 0) || !Number.isSafeInteger(m) || m < 1) {
    throw new InvalidPrivacyParameterError('m', 'must be a positive integer with a positive scale');
  }
  return Math.exp(-m / scale) / (1 + Math.exp(-1 / scale));
}
