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

/** The topics the attribution processor reads and writes, under an optional prefix. */
export interface AttributionTopics {
  events: string;
  ivt: string;
  consent: string;
  campaigns: string;
  attributions: string;
  partials: string;
}

/** Topic names with `prefix` (default none). */
export function attributionTopics(prefix = ''): AttributionTopics {
  return {
    events: `${prefix}cleanroom.events`,
    ivt: `${prefix}cleanroom.ivt`,
    consent: `${prefix}cleanroom.consent`,
    campaigns: `${prefix}cleanroom.campaigns`,
    attributions: `${prefix}cleanroom.attributions`,
    partials: `${prefix}${ATTRIBUTION_PARTIALS_TOPIC}`,
  };
}
