import { TOPICS } from '../../schema/index.ts';
import { prefixTopics } from '../runtime/index.ts';

/**
 * The fraud processor's internal topic.
 *
 * Why a single-partition topic: `cleanroom.events` is keyed by subject, but the detector's counters (clicks
 * per ip, per device, per ip prefix; impressions a click names; conversions per source) span subjects and
 * anonymous events. Counting them per subject partition would split one ip's clicks over several instances
 * and miss every spike. So a stateless router (which scales with the partitions of `cleanroom.events`)
 * forwards ad events and purchases to this one-partition topic, and the stateful detector consumes it: one
 * active member of its consumer group owns the whole state, the others stand by and take over (with the
 * state file) on failure. Ad traffic is a small share of all events and the detector does O(log n) work per
 * event, so one partition is ample; should it ever not be, repartition by ip prefix and merge the
 * per-device findings the same way, at the price of cross-source rules.
 */
export const FRAUD_INPUT_TOPIC = 'cleanroom.fraud-input';

/** The topics the fraud processor reads and writes, unprefixed. */
const FRAUD_TOPICS = {
  events: TOPICS.events,
  input: FRAUD_INPUT_TOPIC,
  ivt: TOPICS.ivt,
  fraudSignals: TOPICS.fraudSignals,
} as const;

/** Those topics' names under an optional prefix (tests on a shared broker). */
export type FraudTopics = Record<keyof typeof FRAUD_TOPICS, string>;

/** Topic names with `prefix` (default none): `t1.` reads `t1.cleanroom.events`. */
export function fraudTopics(prefix = ''): FraudTopics {
  return prefixTopics(prefix, FRAUD_TOPICS);
}
