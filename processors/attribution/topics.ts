import { TOPICS } from '../../schema/index.ts';
import { prefixTopics } from '../runtime/index.ts';

/**
 * The attribution processor's internal topic.
 *
 * The engine runs per partition of `cleanroom.events` (keyed by subject), so each partition's aggregate
 * rows count only its own subjects. Those partial rows are exact and additive (a subject lives in one
 * partition), so they go to this topic keyed by row, and a merge stage keyed by row sums the latest partial
 * of every partition into the restated aggregate on `cleanroom.attributions`. Scaling out therefore never
 * splits a distinct count.
 */
export const ATTRIBUTION_PARTIALS_TOPIC = 'cleanroom.attribution-partials';

/** The topics the attribution processor reads and writes, unprefixed. */
const ATTRIBUTION_TOPICS = {
  events: TOPICS.events,
  ivt: TOPICS.ivt,
  consent: TOPICS.consent,
  campaigns: TOPICS.campaigns,
  attributions: TOPICS.attributions,
  partials: ATTRIBUTION_PARTIALS_TOPIC,
} as const;

/** Those topics' names under an optional prefix. */
export type AttributionTopics = Record<keyof typeof ATTRIBUTION_TOPICS, string>;

/** Topic names with `prefix` (default none). */
export function attributionTopics(prefix = ''): AttributionTopics {
  return prefixTopics(prefix, ATTRIBUTION_TOPICS);
}
