/** The attribution engine and the merge stage as processors for the runtime's `createProcessorHost`. */
import type { LogRecord, Processor, ProcessorContext } from '../runtime/index.ts';
import { cleanEventSchema, consentChangeSchema, ivtVerdictSchema } from '../../schema/index.ts';
import type { CleanEvent, ConsentChange, IvtVerdict } from '../../schema/index.ts';
import type { AggregateRow } from './aggregates.ts';
import type { CampaignDirectory } from './campaign-directory.ts';
import type { AttributionConfig } from './config.ts';
import { createAttributionEngine } from './engine.ts';
import type { AttributionStateAccess } from './memory-state.ts';
import { aggregatesOf, mergeRows, partialRowSchema } from './partials.ts';
import type { PartialRow } from './partials.ts';
import type { SubjectState } from './state.ts';
import { attributionTopics } from './topics.ts';
import type { AttributionTopics } from './topics.ts';

/** What the engine stage reads. */
export type AttributionInput =
  | { kind: 'event'; event: CleanEvent }
  | { kind: 'verdict'; verdict: IvtVerdict }
  | { kind: 'consent'; change: ConsentChange };

/** The reserved state key of a partition's aggregate rows (subject ids never start with `~`). */
const ROWS_KEY = '~attribution-rows';

function hostState(context: ProcessorContext): AttributionStateAccess {
  const rows = context.stateOf.forKey(ROWS_KEY);
  return {
    getSubject: (subjectId) => context.stateOf.forKey(subjectId).get<SubjectState>('attribution'),
    putSubject: (subjectId, subject) => context.stateOf.forKey(subjectId).put('attribution', subject),
    deleteSubject: (subjectId) => context.stateOf.forKey(subjectId).delete('attribution'),
    rows: { get: (rowKey) => rows.get<AggregateRow>(rowKey), put: (rowKey, row) => rows.put(rowKey, row) },
  };
}

/**
 * The engine stage over `cleanroom.events`, `cleanroom.ivt` and `cleanroom.consent` (co-partitioned by
 * subject). Untimed: late exposures, verdicts and returns are restatements the engine applies itself.
 */
export function createAttributionStage(
  campaigns: CampaignDirectory,
  config: Partial<AttributionConfig> = {},
  topics: AttributionTopics = attributionTopics(),
): Processor<AttributionInput> {
  return {
    parse(record: LogRecord): AttributionInput {
      const value: unknown = JSON.parse(record.value);
      if (record.topic === topics.ivt) return { kind: 'verdict', verdict: ivtVerdictSchema.parse(value) };
      if (record.topic === topics.consent)
        return { kind: 'consent', change: consentChangeSchema.parse(value) };
      return { kind: 'event', event: cleanEventSchema.parse(value) };
    },
    eventTime: () => null,
    eventId: (input) =>
      input.kind === 'event'
        ? input.event.eventId
        : input.kind === 'verdict'
          ? input.verdict.verdictId
          : input.change.changeId,
    onRecord(input, context) {
      const engine = createAttributionEngine({ campaigns, config, state: hostState(context) });
      const credits =
        input.kind === 'event'
          ? engine.observeEvent(input.event)
          : input.kind === 'verdict'
            ? engine.observeVerdict(input.verdict)
            : engine.observeConsent(input.change);
      const sequences = context.state;
      for (const credit of credits) {
        // A credit may be restated (weight, revenue, retraction): number its versions per subject.
        const sequence = (sequences.get<number>('credit-sequence') ?? 0) + 1;
        sequences.put('credit-sequence', sequence);
        context.emit({
          topic: topics.attributions,
          key: credit.campaignId,
          value: credit,
          outputId: `${credit.creditId}#${sequence}`,
        });
      }
      for (const row of engine.flushRows()) {
        const rowKey = `${row.campaignId}:${row.day}:${row.channel}`;
        const partial: PartialRow = {
          rowKey,
          partition: context.partition,
          withHoldout: (campaigns.get(row.campaignId)?.holdoutPercent ?? 0) > 0,
          row,
        };
        context.emit({
          topic: topics.partials,
          key: rowKey,
          value: partial,
          outputId: `partial:${rowKey}:${context.partition}:${row.version}`,
        });
      }
    },
  };
}

/** The merge stage over the partials topic (keyed by row): sums partitions, restates with a rising version. */
export function createAggregateMergeStage(
  topics: AttributionTopics = attributionTopics(),
): Processor<PartialRow> {
  return {
    parse: (record) => partialRowSchema.parse(JSON.parse(record.value)),
    eventTime: () => null,
    eventId: (partial) => `${partial.rowKey}:${partial.partition}:${partial.row.version}`,
    onRecord(partial, context) {
      const name = `partition:${partial.partition}`;
      const stored = context.state.get<AggregateRow>(name);
      if (stored !== undefined && stored.version >= partial.row.version) return; // a re-sent partial
      context.state.put(name, partial.row);
      const partitions = context.state.get<number[]>('partitions') ?? [];
      if (!partitions.includes(partial.partition))
        context.state.put('partitions', [...partitions, partial.partition].sort());
      const version = (context.state.get<number>('version') ?? 0) + 1;
      context.state.put('version', version);
      const rows = [...new Set([...partitions, partial.partition])].map(
        (partition) => context.state.get<AggregateRow>(`partition:${partition}`) as AggregateRow,
      );
      const merged = mergeRows(rows, version);
      if (merged === undefined) return;
      for (const aggregate of aggregatesOf(merged, partial.withHoldout)) {
        context.emit({
          topic: topics.attributions,
          key: aggregate.campaignId,
          value: aggregate,
          outputId: `${aggregate.aggregateId}#${version}`,
        });
      }
    },
  };
}
