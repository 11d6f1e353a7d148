/**
 * What a processor is: an incremental handler of input records and of event-time timers, whose only memory
 * is keyed state in the runtime's state store and whose only effect is outputs with deterministic ids.
 * See processor-host.ts for how to write one.
 */
import type { LogRecord } from './log.ts';
import type { StateStore } from './state/state-store.ts';
import type { Timeliness } from './watermark.ts';

/** State rows of one key (the partition key of the record or timer being handled). */
export interface KeyedState {
  readonly key: string;
  get<T>(name: string): T | undefined;
  put(name: string, value: unknown): void;
  delete(name: string): void;
  /** Names of this key's rows starting with `prefix` (all when omitted), sorted. */
  names(prefix?: string): string[];
  /** Delete the rows whose name starts with `prefix`. */
  deletePrefix(prefix: string): void;
  /** Drop every row and timer of this key (erasure). */
  clear(): void;
}

/** Access to the state of any key of the task (e.g. a partition-wide counter under a reserved key). */
export interface StateAccess {
  forKey(key: string): KeyedState;
}

/** An output: produced to `topic` after the batch that made it commits. */
export interface ProcessorOutput {
  topic: string;
  key: string | null;
  /** Serialized as JSON. */
  value: unknown;
  /** Deterministic id (the same input always yields the same id), also sent as the `cleanroom-output-id` header. */
  outputId: string;
  /** Pin a partition (e.g. a marker sent to every partition); otherwise the key decides. */
  partition?: number;
}

/** Context shared by record and timer handlers. */
export interface ProcessorContext {
  /** The processor's name (for ids and side outputs). */
  readonly processorName: string;
  /** Partition number of the task (the same number on every co-partitioned input topic). */
  readonly partition: number;
  /** The partition's current watermark (ms, -Infinity before the first event). */
  readonly watermark: number;
  /** State of the current key. */
  readonly state: KeyedState;
  /** State of any key of this partition. */
  readonly stateOf: StateAccess;
  /**
   * Set a timer of the current key at event time `time`; it fires once the watermark reaches it. A timer
   * for a time the watermark already passed fires at the current watermark, after the current record. Timers
   * are unique per key, name and time. `key` sets it on another key of the partition (default: the current).
   */
  setTimer(time: number, name: string, key?: string): void;
  cancelTimer(time: number, name: string, key?: string): void;
  emit(output: ProcessorOutput): void;
  /** Add one to a named counter of the task (kept with its state, in `stats().counts`). */
  count(name: string): void;
  /**
   * Run `effect` once the batch this handler belongs to has committed (never if it rolls back): metrics,
   * log lines and events that must not be told twice when a batch is read again.
   */
  afterCommit(effect: () => void): void;
}

/** Context of a record handler. */
export interface RecordContext extends ProcessorContext {
  readonly record: LogRecord;
  /** Event time of the record (null when the processor said it has none). */
  readonly eventTime: number | null;
  /** `late` when the record is behind the watermark but within allowed lateness (a restatement). */
  readonly timeliness: Timeliness | 'untimed';
  /**
   * Refuse the record: it goes to the dead-letter topic with `field` and `reason` (which must not quote the
   * input). The handler should return without writing anything of it.
   */
  deadLetter(field: string, reason: string): void;
}

/** A timer that fired. */
export interface FiredTimer {
  time: number;
  name: string;
  key: string;
}

/** Context of a timer handler. */
export interface TimerContext extends ProcessorContext {
  readonly timer: FiredTimer;
}

/**
 * An incremental processor of parsed records of type `In`.
 *
 * @example see processor-host.ts
 */
export interface Processor<In> {
  /**
   * Parse and validate a record's value. Throwing sends the record to `cleanroom.dead-letter`: with the first
   * issue of a zod error, or the `field` and `reason` of a `RecordRejectedError` (processor-errors.ts).
   */
  parse(record: LogRecord): In;
  /** Event time in ms, or null for records outside event time (consent changes, configuration). */
  eventTime(input: In, record: LogRecord): number | null;
  /** A stable id of the input, for the late-events side output. */
  eventId(input: In, record: LogRecord): string;
  /** Handle one record that is on time or within allowed lateness. */
  onRecord(input: In, context: RecordContext): void;
  /** Handle a timer whose time the watermark reached. */
  onTimer?(context: TimerContext): void;
  /**
   * Called when the host moved the watermark without a record (an idle partition), before due timers
   * fire; the context's key is the empty string.
   */
  onWatermark?(context: ProcessorContext): void;
  /**
   * The handlers also write tables of the processor's own in the state store's database (`store.database`;
   * ingest: identity links and consent), inside the batch's transaction. A handler that throws then costs the
   * batch one more run, with each record in a real SQL savepoint, so that the failing record leaves nothing
   * behind in those tables either (the state rows are undone either way).
   */
  readonly ownTables?: boolean;
  /**
   * A working copy of the task's state that the processor keeps in memory, for state whose indexes would cost
   * too much to read and write per record (the fraud detector's sorted times and per-source lists).
   */
  readonly memory?: ProcessorMemory;
}

/**
 * How a processor with a working copy of its state in memory keeps it equal to its store. The host loads it
 * whenever the task (re)reads its store (when the task is made, on every assignment, and after a transaction
 * rolled back) and saves it once per transaction, before the commit. A handler that throws costs the batch one
 * more run in which the copy is saved after every record and loaded again after a failing one, so that the
 * failing record leaves nothing behind in it.
 */
export interface ProcessorMemory {
  /** Read the working copy of task `partition` from its store (reads see the open transaction's writes). */
  load(store: StateStore, partition: number): void;
  /** Write what changed in the working copy of task `partition` since the last load or save. */
  save(store: StateStore, partition: number): void;
}

/** Event-time settings of a processor. */
export interface EventTimeOptions {
  /** Bounded out-of-orderness of the input (ms). */
  maxOutOfOrdernessMs: number;
  /** How far behind the watermark a record is still applied (ms, default 0). */
  allowedLatenessMs?: number;
}
