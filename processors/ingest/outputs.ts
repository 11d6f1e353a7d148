/** What ingest writes: one record of a `cleanroom.*` topic with a deterministic id. */
import type {
  CampaignInfo,
  CleanEvent,
  ConsentChange,
  DeadLetter,
  InstoreCleanEvent,
  InternalTopic,
  InventoryLevel,
} from '../../schema/topics.ts';

/** An output of ingest, produced once the batch that made it commits. */
export interface IngestOutput {
  /** A `cleanroom.*` topic (also the fraud detector's input when ingest routes it). */
  topic: InternalTopic | 'cleanroom.fraud-input';
  key: string | null;
  value: CleanEvent | ConsentChange | CampaignInfo | DeadLetter | InventoryLevel | InstoreCleanEvent;
  /** Deterministic: the same input always yields the same id (sent as the `cleanroom-output-id` header). */
  outputId: string;
}

/** How a record was handled. */
export type RecordOutcome =
  'event' | 'consent' | 'loyalty' | 'campaign' | 'inventory' | 'instore' | 'dead-letter' | 'duplicate';

/** The result of transforming one raw record. */
export interface TransformResult {
  outcome: RecordOutcome;
  /** The outputs (a refused record: its dead letter). */
  outputs: IngestOutput[];
  /** Why the record was refused (outcome `dead-letter`): the field at fault and a reason quoting no input. */
  rejected?: { field: string; reason: string };
}
