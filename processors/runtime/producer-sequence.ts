/**
 * Recognising outputs a producer sent twice.
 *
 * Every stage commits its outputs to an outbox with its state and produces them afterwards, so a stage killed
 * between the produce and the outbox's confirmation sends those outputs again when it restarts. Each output
 * therefore carries its producer's id (`cleanroom-producer`: the stage, its partition and the epoch of its
 * state file) and the outbox sequence number (`cleanroom-sequence`), which only grows. Within one input
 * partition a producer's records arrive in sequence order (the log keeps per-partition order, the Kafka
 * producer is idempotent with one request in flight), so a record whose sequence is not above the last one
 * applied from that producer is a repeat: consumers skip it without applying it. That is what makes a replay
 * after a crash count nothing twice, also for stages (the fraud detector's duplicate-click rule) where a
 * repeated event would change the result.
 */
import { randomBytes } from 'node:crypto';
import type { LogRecord } from './log.ts';

/** Header naming the producer of an output (stage, partition, state epoch). */
export const PRODUCER_HEADER = 'cleanroom-producer';
/** Header carrying the output's sequence number within its producer. */
export const SEQUENCE_HEADER = 'cleanroom-sequence';

/** A fresh epoch for a producer whose state starts empty (a new state file restarts its sequence). */
export function newProducerEpoch(): string {
  return randomBytes(6).toString('hex');
}

/** The epoch stored in a state file's meta (made on first use: a new state file starts a new sequence). */
export function producerEpochOf(store: {
  getMeta<T>(name: string): T | undefined;
  setMeta(name: string, value: unknown): void;
}): string {
  const stored = store.getMeta<string>('producerEpoch');
  if (stored !== undefined) return stored;
  const epoch = newProducerEpoch();
  store.setMeta('producerEpoch', epoch);
  return epoch;
}

/** The headers of an output with sequence number `sequence` from `producer`. */
export function producerHeaders(producer: string, sequence: number): Record<string, string> {
  return { [PRODUCER_HEADER]: producer, [SEQUENCE_HEADER]: String(sequence) };
}

/** Last sequence applied per input partition (`topic:partition`) and producer; stored with the state. */
export type AppliedSequences = Record<string, Record<string, number>>;

/** Tells repeats from new records and remembers what was applied. */
export interface RepeatFilter {
  /** Whether `record` repeats one already applied (if not, it is remembered as applied). */
  isRepeat(record: LogRecord): boolean;
  /** The state to store with the batch. */
  state(): AppliedSequences;
}

/**
 * A filter resuming from stored state.
 *
 * @example
 * const filter = createRepeatFilter(store.getMeta('appliedSequences'));
 * for (const record of batch.records) if (!filter.isRepeat(record)) apply(record);
 * store.setMeta('appliedSequences', filter.state());
 */
export function createRepeatFilter(resume: AppliedSequences | undefined): RepeatFilter {
  const applied: AppliedSequences = structuredClone(resume ?? {});
  return {
    isRepeat(record) {
      const producer = record.headers[PRODUCER_HEADER];
      const sequence = Number(record.headers[SEQUENCE_HEADER]);
      if (producer === undefined || !Number.isSafeInteger(sequence)) return false;
      const input = `${record.topic}:${record.partition}`;
      const producers = (applied[input] ??= {});
      const last = producers[producer];
      if (last !== undefined && sequence <= last) return true;
      producers[producer] = sequence;
      return false;
    },
    state: () => applied,
  };
}
