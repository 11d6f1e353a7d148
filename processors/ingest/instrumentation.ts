/**
 * Instrumentation of ingest: a constant map of event names (as KafkaJS's `consumer.events`) and the Prometheus
 * counters. Payloads hold counts, topics, partitions, offsets, fields and reasons — never a raw value.
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RecordOutcome } from './outputs.ts';

/** Events an ingest emits (`ingest.on(INGEST_EVENTS.DEAD_LETTER, listener)`). */
export const INGEST_EVENTS = {
  /** A batch's state and offsets committed: `{ topic, partition, nextOffset, records, outputs }`. */
  BATCH_COMMITTED: 'ingest.batch_committed',
  /** Outputs were produced from the outbox: `{ outputs }`. */
  OUTPUTS_PRODUCED: 'ingest.outputs_produced',
  /** A record was refused: `{ topic, partition, offset, field, reason }`. */
  DEAD_LETTER: 'ingest.dead_letter',
  /** A repeated event id was dropped: `{ topic, partition, offset }`. */
  DUPLICATE: 'ingest.duplicate',
  /** A consent change was emitted: `{ subjectId, erased }`. */
  CONSENT_CHANGED: 'ingest.consent_changed',
  /** A batch failed and will be retried: `{ topic, partition, error }`. */
  BATCH_FAILED: 'ingest.batch_failed',
} as const;

/** An ingest event name. */
export type IngestEventName = (typeof INGEST_EVENTS)[keyof typeof INGEST_EVENTS];

/** The Prometheus metrics of ingest. */
export interface IngestMetrics {
  countRecord(outcome: RecordOutcome): void;
}

/** Register `cleanroom_ingest_records_total{outcome}` in `registry` (no-op metrics without one). */
export function createIngestMetrics(registry: Registry | undefined): IngestMetrics {
  if (registry === undefined) return { countRecord: () => {} };
  const existing = registry.getSingleMetric('cleanroom_ingest_records_total');
  const records =
    (existing as Counter<'outcome'> | undefined) ??
    new Counter({
      name: 'cleanroom_ingest_records_total',
      help: 'Raw records handled by ingest, by outcome (event, consent, loyalty, campaign, inventory, dead-letter, duplicate).',
      labelNames: ['outcome'],
      registers: [registry],
    });
  return { countRecord: (outcome) => records.inc({ outcome }) };
}
