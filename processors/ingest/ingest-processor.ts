/**
 * Ingest as a processor of the runtime's host: the front door's per-record work. Every raw record (in log-time
 * order over every raw partition: the host's merged layout) is validated, its identifiers handed to
 * policies/identity, consent applied, enriched and stripped by `transformRecord`; its outputs are emitted with
 * deterministic ids. Identity links, consent and the seen-set are ingest's own tables in the task's state
 * database, written inside the batch's transaction with the offsets and the outbox.
 */
import type { Registry } from 'prom-client';
import type { CleanEvent, ConsentChange } from '../../schema/topics.ts';
import type { LogRecord, Processor, RecordContext } from '../runtime/index.ts';
import { FRAUD_INPUT_TOPIC, fraudInputOutput, isFraudInput } from '../fraud/index.ts';
import type { IngestEventName } from './instrumentation.ts';
import { INGEST_EVENTS, createIngestMetrics } from './instrumentation.ts';
import type { PrunableSeenSet } from './seen-set.ts';
import { transformRecord } from './transform.ts';
import type { TransformContext } from './transform.ts';
import type { TransformResult } from './outputs.ts';

/** A pino-compatible logger (only objects without PII are ever passed). */
export interface IngestLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
  debug(object: object, message?: string): void;
}

/** What the ingest processor works with. */
export interface IngestProcessorOptions {
  context: TransformContext & { seen: PrunableSeenSet };
  /** Prefix of every topic ingest reads and writes (default none). */
  topicPrefix?: string;
  /** Also write the events the fraud detector needs to its one-partition topic, in ingest's own order. */
  routeFraudInput?: boolean;
  /** How long a seen event id is remembered, in ms of log time. */
  seenRetentionMs: number;
  logger: IngestLogger;
  metricsRegistry?: Registry;
  emit(event: IngestEventName, payload: Record<string, unknown>): void;
}

/** Records between two prunings of the seen-set (garbage collection only: answers never depend on it). */
const PRUNE_EVERY = 20_000;

/** Create the ingest processor (run it with `createProcessorHost({ layout: 'merged', ... })`). */
export function createIngestProcessor(options: IngestProcessorOptions): Processor<LogRecord> {
  const prefix = options.topicPrefix ?? '';
  const { context, logger } = options;
  const metrics = createIngestMetrics(options.metricsRegistry);
  let sincePrune = 0;

  const withFraudInput = (result: TransformResult): TransformResult => {
    if (options.routeFraudInput !== true || result.outcome !== 'event') return result;
    const event = result.outputs[0]!.value as CleanEvent;
    if (!isFraudInput(event)) return result;
    return {
      ...result,
      outputs: [...result.outputs, { topic: FRAUD_INPUT_TOPIC, value: event, ...fraudInputOutput(event) }],
    };
  };

  // Told only once the batch committed, so a batch run again after a failure reports nothing twice.
  const report = (record: LogRecord, result: TransformResult): void => {
    metrics.countRecord(result.outcome);
    const where = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (result.outcome === 'duplicate') options.emit(INGEST_EVENTS.DUPLICATE, where);
    if (result.rejected !== undefined) {
      const { field, reason } = result.rejected;
      logger.warn({ ...where, field, reason }, 'raw record dead-lettered');
      options.emit(INGEST_EVENTS.DEAD_LETTER, { ...where, field, reason });
    }
    if (result.outcome === 'consent') {
      const change = result.outputs[0]!.value as ConsentChange;
      options.emit(INGEST_EVENTS.CONSENT_CHANGED, { subjectId: change.subjectId, erased: change.erased });
    }
  };

  return {
    // Validation is the transform's first step: a refused record is reported like every other outcome.
    parse: (record) => record,
    // Ingest is outside event time: every record is applied, however late (later stages judge lateness).
    eventTime: () => null,
    eventId: (record) => `${record.topic}:${record.partition}:${record.offset}`,
    ownTables: true,
    onRecord(record, ctx: RecordContext) {
      const unprefixed = prefix === '' ? record : { ...record, topic: record.topic.slice(prefix.length) };
      const result = withFraudInput(transformRecord(unprefixed, context));
      if (result.rejected !== undefined) ctx.deadLetter(result.rejected.field, result.rejected.reason);
      else {
        ctx.count(result.outcome);
        for (const output of result.outputs) ctx.emit({ ...output, topic: `${prefix}${output.topic}` });
      }
      ctx.afterCommit(() => report(record, result));
      if (++sincePrune >= PRUNE_EVERY) {
        sincePrune = 0;
        context.seen.pruneBefore(record.timestamp - options.seenRetentionMs);
      }
    },
  };
}
