/**
 * The deterministic id of every `cleanroom.*` output, read from the value (ingest writes no id header), so two
 * runs over the same input can be compared id by id.
 */
import { TOPICS } from '../../../schema/index.ts';

type Value = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Output topics compared by the crash test, each with how its id is derived. */
export const OUTPUT_ID_OF: Readonly<Record<string, (value: Value) => string>> = {
  [TOPICS.events]: (value) => text(value['eventId']),
  [TOPICS.consent]: (value) => text(value['changeId']),
  [TOPICS.deadLetter]: (value) => text(value['deadLetterId']),
  [TOPICS.ivt]: (value) => text(value['verdictId']),
  [TOPICS.fraudSignals]: (value) => text(value['signalId']),
  [TOPICS.segmentChanges]: (value) => text(value['changeId']),
  // Credits only: an aggregate is restated under one aggregateId as often as batches happen to end (also
  // between two uninterrupted runs), so aggregates are compared by their final value per aggregateId instead.
  [TOPICS.attributions]: (value) => `${text(value['creditId'])}#${text(value['retracted'])}`,
  [TOPICS.triggers]: (value) => text(value['triggerId']),
  [TOPICS.lateEvents]: (value) => `${text(value['processor'])}:${text(value['eventId'])}`,
};
