import { sampleDiscreteLaplace } from './discrete-laplace.ts';
import { InvalidPrivacyParameterError } from './errors.ts';
import { epsilonToRational } from './rational.ts';
import { createCryptoRandomSource } from './random-source.ts';
import type { RandomSource } from './random-source.ts';

let defaultRandomSource: RandomSource | undefined;

function cryptoRandom(): RandomSource {
  defaultRandomSource ??= createCryptoRandomSource();
  return defaultRandomSource;
}

/**
 * An integer aggregate (a count, or a sum of clamped integer contributions) plus discrete Laplace
 * noise of scale sensitivity / epsilon, which makes the released value epsilon-differentially private.
 * `epsilon` is read exactly to six decimal places (truncated, see `epsilonToRational`); `sensitivity`
 * is the most one subject can move the aggregate (1 for a distinct count; the clamp bound for a sum).
 * The result may be negative; clamping it at zero afterwards is safe post-processing.
 *
 * @example
 * const released = noisyCount(1234, 0.5); // scale 2, CSPRNG randomness
 */
export function noisyCount(
  trueCount: number,
  epsilon: number,
  sensitivity = 1,
  rng: RandomSource = cryptoRandom(),
): number {
  if (!Number.isSafeInteger(trueCount)) {
    throw new InvalidPrivacyParameterError('trueCount', 'must be a safe integer');
  }
  if (!Number.isSafeInteger(sensitivity) || sensitivity < 1) {
    throw new InvalidPrivacyParameterError('sensitivity', 'must be a positive integer');
  }
  const { numerator, denominator } = epsilonToRational(epsilon);
  // scale = sensitivity / (numerator / denominator) = sensitivity * denominator / numerator
  const noise = sampleDiscreteLaplace(BigInt(sensitivity) * denominator, numerator, rng);
  return trueCount + Number(noise);
}
