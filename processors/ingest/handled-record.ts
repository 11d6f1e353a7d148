/** A record of a batch and what the transform made of it, and the counter increments of a batch. */
import type { LogRecord } from '../runtime/index.ts';
import type { IngestCounters } from './ingest-state.ts';
import type { TransformResult } from './outputs.ts';

/** A record of a batch and what the transform made of it. */
export interface HandledRecord {
  record: LogRecord;
  result: TransformResult;
}

/** The counter increments of a batch. */
export function countOutcomes(handled: readonly HandledRecord[]): IngestCounters {
  const delta: IngestCounters = {
    processed: handled.length,
    events: 0,
    deadLettered: 0,
    duplicates: 0,
    consentChanges: 0,
    campaigns: 0,
  };
  const field = {
    event: 'events',
    'dead-letter': 'deadLettered',
    duplicate: 'duplicates',
    consent: 'consentChanges',
    campaign: 'campaigns',
    loyalty: null,
  } as const;
  for (const { result } of handled) {
    const name = field[result.outcome];
    if (name !== null) delta[name] += 1;
  }
  return delta;
}
