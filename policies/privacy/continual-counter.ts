import { sampleDiscreteLaplace } from './discrete-laplace.ts';
import { InvalidPrivacyParameterError } from './errors.ts';
import { epsilonToRational } from './rational.ts';
import { createCryptoRandomSource } from './random-source.ts';
import type { RandomSource } from './random-source.ts';

/**
 * Continual counting with the binary-tree (hierarchical) mechanism of Dwork, Naor, Pitassi and Rothblum (2010)
 * and Chan, Shi and Song (2011): a stream of up to `horizon` updates x_1..x_T is released as noisy prefix sums
 * S_t = x_1 + ... + x_t, one per tick, for ONE epsilon over the whole stream.
 *
 * Every dyadic interval [j * 2^l + 1, (j + 1) * 2^l] of [1, T] is a node with its own noise; the prefix [1, t]
 * is the disjoint union of at most `levels` nodes (one per 1-bit of t), and each update x_i lies in exactly
 * `levels` nodes (one per level). A subject that moves the stream by at most `sensitivity` in L1 (over all its
 * updates) therefore moves the vector of node sums by at most `levels * sensitivity`, so node noise of scale
 * `levels * sensitivity / epsilon` makes every node sum — and every prefix released from them — epsilon-DP
 * together. The released error at tick t is a sum of popcount(t) <= levels independent discrete Laplace draws:
 * it grows polylogarithmically in T, not linearly as noising every tick afresh would.
 *
 * Released prefix = exact prefix + sum of the noise of the nodes covering [1, t]. The exact prefix is simply
 * the current exact total, so the counter never keeps the stream itself, only node noise: the noise of the
 * nodes covering the latest tick (a later tick never needs a node that ends at or before an earlier released
 * tick unless that node covered the earlier tick too — see `coveringNodes`). The state is serializable, so a
 * restarted gateway answers the same tick with the same noise instead of drawing fresh noise to average.
 */

/** One node: level l and index j cover ticks [j * 2^l + 1, (j + 1) * 2^l]. */
export interface TreeNode {
  level: number;
  index: number;
}

/** The serializable state of a counter: node noise by `level:index`, and the latest tick released. */
export interface ContinualCounterState {
  horizon: number;
  /** Noise of each node still needed, in the counter's integer units. */
  noise: Record<string, number>;
  lastTick: number;
}

/** Options of {@link createContinualCounter}. */
export interface ContinualCounterOptions {
  /** Most ticks in the stream (the budget window divided by the tick length). */
  horizon: number;
  /** The epsilon the whole stream spends. */
  epsilon: number;
  /** Most one subject can move the stream in L1 over all its updates (a positive integer, in units). */
  sensitivity: number;
  /** Where node noise comes from (default: the operating system's CSPRNG). */
  rng?: RandomSource;
  /** A state saved earlier (same horizon). */
  state?: ContinualCounterState;
}

/** A continual counter. */
export interface ContinualCounter {
  /** Number of tree levels: floor(log2(horizon)) + 1. */
  readonly levels: number;
  /** Numerator and denominator of the node noise scale (levels * sensitivity / epsilon). */
  readonly nodeScale: { numerator: bigint; denominator: bigint };
  /**
   * The noisy prefix sum at `tick` (1-based) given the exact prefix sum (an integer). Ticks never go back: a tick
   * before the latest one is refused; the same tick again gets the same noise.
   */
  release(tick: number, exactPrefix: number): number;
  /** The state to persist after a release. */
  state(): ContinualCounterState;
}

/** Number of levels of a tree over `horizon` ticks. */
export function treeLevels(horizon: number): number {
  if (!Number.isSafeInteger(horizon) || horizon < 1) {
    throw new InvalidPrivacyParameterError('horizon', 'must be a positive integer');
  }
  return Math.floor(Math.log2(horizon)) + 1;
}

/** The nodes whose disjoint union is [1, tick], highest level first. */
export function coveringNodes(tick: number): TreeNode[] {
  if (!Number.isSafeInteger(tick) || tick < 1) {
    throw new InvalidPrivacyParameterError('tick', 'must be a positive integer');
  }
  const nodes: TreeNode[] = [];
  let covered = 0;
  for (let level = Math.floor(Math.log2(tick)); level >= 0; level -= 1) {
    const size = 2 ** level;
    if (covered + size <= tick) {
      nodes.push({ level, index: covered / size });
      covered += size;
    }
  }
  return nodes;
}

const keyOf = (node: TreeNode): string => `${node.level}:${node.index}`;

/**
 * Create a counter for one stream.
 *
 * @example
 * const counter = createContinualCounter({ horizon: 8_640, epsilon: 0.25, sensitivity: 8 });
 * counter.release(1, 120); // 120 + noise
 * counter.release(2, 131); // 131 + noise, correlated with the first through the shared nodes
 */
export function createContinualCounter(options: ContinualCounterOptions): ContinualCounter {
  const levels = treeLevels(options.horizon);
  if (!Number.isSafeInteger(options.sensitivity) || options.sensitivity < 1) {
    throw new InvalidPrivacyParameterError('sensitivity', 'must be a positive integer');
  }
  if (options.state !== undefined && options.state.horizon !== options.horizon) {
    throw new InvalidPrivacyParameterError('state', 'was saved for another horizon');
  }
  const { numerator, denominator } = epsilonToRational(options.epsilon);
  // scale = levels * sensitivity / (numerator / denominator)
  const scaleNumerator = BigInt(levels) * BigInt(options.sensitivity) * denominator;
  const scaleDenominator = numerator;
  let rng = options.rng;
  let noise: Record<string, number> = { ...(options.state?.noise ?? {}) };
  let lastTick = options.state?.lastTick ?? 0;
  const draw = (): number => {
    rng ??= createCryptoRandomSource();
    return Number(sampleDiscreteLaplace(scaleNumerator, scaleDenominator, rng));
  };
  return {
    levels,
    nodeScale: { numerator: scaleNumerator, denominator: scaleDenominator },
    release(tick, exactPrefix) {
      if (!Number.isSafeInteger(exactPrefix)) {
        throw new InvalidPrivacyParameterError('exactPrefix', 'must be a safe integer');
      }
      if (!Number.isSafeInteger(tick) || tick < 1 || tick > options.horizon) {
        throw new InvalidPrivacyParameterError('tick', `must be an integer in [1, ${options.horizon}]`);
      }
      if (tick < lastTick) throw new InvalidPrivacyParameterError('tick', 'must not go back');
      const nodes = coveringNodes(tick);
      const kept: Record<string, number> = {};
      let sum = exactPrefix;
      for (const node of nodes) {
        const key = keyOf(node);
        const value = noise[key] ?? draw();
        kept[key] = value;
        sum += value;
      }
      noise = kept;
      lastTick = tick;
      return sum;
    },
    state: () => ({ horizon: options.horizon, noise: { ...noise }, lastTick }),
  };
}
