/** The segments processor: declarative audience segments over `cleanroom.events`, with consent and erasure. */
export {
  eventFilterSchema,
  conditionSchema,
  segmentRuleSchema,
  segmentDefinitionSchema,
  conditionWindow,
  parseSegmentDefinition,
  loadSegmentDefinitions,
  EXAMPLE_SEGMENTS_DIR,
} from './definition.ts';
export type { SegmentDefinition, SegmentCondition, SegmentRule, EventFilter } from './definition.ts';
export {
  compileSegment,
  matchEvent,
  aggregateValue,
  isMember,
  changeInstants,
  pruneHits,
} from './evaluate.ts';
export type { Hit, CompiledSegment, CompiledCondition } from './evaluate.ts';
export { createSegmentProcessor, readSegmentSizes, readMemberships, SIZES_KEY } from './segment-processor.ts';
export type { SegmentInput, SubjectSegmentState, SegmentProcessorOptions } from './segment-processor.ts';
export { SegmentError } from './errors.ts';
export type { SegmentErrorCode, SegmentErrorContext } from './errors.ts';
export { generateCleanEvents, createSeededRandom } from './synthetic-events.ts';
export type { SyntheticEventsOptions } from './synthetic-events.ts';
