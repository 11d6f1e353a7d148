/**
 * A processor task: one processor over one partition number of its (co-partitioned) input topics — or over
 * every partition of them, merged (ingest) — with its own state store. `processRecords` applies records in ONE
 * transaction: state, timers, watermark, counters, the next input offsets and the outbox of outputs. Producing
 * the outbox is the host's job, after the commit.
 */
import { TOPICS } from '../../schema/topics.ts';
import type { LateEvent } from '../../schema/topics.ts';
import { deadLetterOf, describeParseError } from './dead-letter.ts';
import { partitionKey } from './partition-key.ts';
import type { LogRecord, RecordBatch } from './log.ts';
import type {
  EventTimeOptions,
  FiredTimer,
  KeyedState,
  Processor,
  ProcessorContext,
  ProcessorOutput,
} from './processor.ts';
import { ProcessorError } from './processor-errors.ts';
import type { StateStore } from './state/state-store.ts';
import { createRepeatFilter } from './producer-sequence.ts';
import type { AppliedSequences } from './producer-sequence.ts';
import { createTimerService } from './timers.ts';
import { createWatermarkTracker } from './watermark.ts';
import type { WatermarkState, WatermarkTracker } from './watermark.ts';

/** Counters of a task, stored with its state (so they survive restarts exactly). */
export interface TaskStats {
  records: number;
  /** Applied although behind the watermark (within allowed lateness). */
  lateApplied: number;
  /** Too late: sent to `cleanroom.late-events`, not applied. */
  tooLate: number;
  deadLettered: number;
  timersFired: number;
  outputs: number;
  /** Records a producer sent again after a restart, recognised and skipped. */
  repeats: number;
  /** The processor's own counters (`context.count(name)`). */
  counts: Record<string, number>;
}

/** One processor over one partition number (or, merged, over every input partition). */
export interface ProcessorTask {
  readonly partition: number;
  readonly store: StateStore;
  /** Apply a batch (records at offsets already stored are skipped: a redelivery). */
  processBatch(batch: RecordBatch): void;
  /** Apply records of any of the task's input topics and partitions, in the order given, in one transaction. */
  processRecords(records: readonly LogRecord[]): void;
  /** Force the watermark forward (idle partitions) and fire due timers, in one transaction. */
  advanceWatermark(watermark: number): void;
  watermark(): number;
  stats(): TaskStats;
}

/** Options of a task. */
export interface ProcessorTaskOptions<In> {
  processorName: string;
  partition: number;
  store: StateStore;
  processor: Processor<In>;
  eventTime: EventTimeOptions;
  /** Side-output topics (defaults: `cleanroom.late-events`, `cleanroom.dead-letter`). */
  sideTopics?: SideTopics;
  /** Told of every handler failure the task survives by dead-lettering its record. */
  onError?: (error: ProcessorError) => void;
}

/** Where a task sends records it cannot apply. */
export interface SideTopics {
  lateEvents?: string;
  deadLetter?: string;
}

/** Counters of a task that has applied nothing. */
export const emptyStats = (): TaskStats => ({
  records: 0,
  lateApplied: 0,
  tooLate: 0,
  deadLettered: 0,
  timersFired: 0,
  outputs: 0,
  repeats: 0,
  counts: {},
});

const storedStats = (store: StateStore): TaskStats => {
  const stored = store.getMeta<Partial<TaskStats>>('stats');
  return { ...emptyStats(), ...stored, counts: { ...stored?.counts } };
};

const copyStats = (stats: TaskStats): TaskStats => ({ ...stats, counts: { ...stats.counts } });

/** A SQLite error is the store's, not the record's: it fails the batch, which is read again. */
const isStoreError = (error: unknown): boolean => error instanceof Error && error.name === 'SqliteError';

/** Create a task over an open state store (resuming its watermark, counters and offsets). */
export function createProcessorTask<In>(options: ProcessorTaskOptions<In>): ProcessorTask {
  const { processorName, partition, store, processor } = options;
  const timers = createTimerService(store);
  const lateEventsTopic = options.sideTopics?.lateEvents ?? TOPICS.lateEvents;
  const deadLetterTopic = options.sideTopics?.deadLetter ?? TOPICS.deadLetter;
  let watermark: WatermarkTracker = createWatermarkTracker(
    options.eventTime,
    store.getMeta<WatermarkState>('watermark'),
  );
  let stats: TaskStats = storedStats(store);
  let repeats = createRepeatFilter(store.getMeta<AppliedSequences>('appliedSequences'));
  const nextOffsets = new Map(store.offsets().map((row) => [partitionKey(row), row.offset]));
  // Effects to run once the open transaction commits (dropped with it on a rollback).
  let afterCommit: Array<() => void> = [];
  processor.memory?.load(store, partition);

  const emit = (output: ProcessorOutput): void => {
    store.appendOutbox({
      topic: output.topic,
      key: output.key,
      value: JSON.stringify(output.value),
      outputId: output.outputId,
      partition: output.partition ?? null,
    });
    stats.outputs += 1;
  };

  const keyedState = (key: string): KeyedState => ({
    key,
    get: (name) => store.get(key, name),
    put: (name, value) => store.put(key, name, value),
    delete: (name) => store.delete(key, name),
    names: (prefix) => store.names(key, prefix),
    deletePrefix: (prefix) => store.deletePrefix(key, prefix),
    clear: () => store.deleteKey(key),
  });

  const baseContext = (key: string): ProcessorContext => ({
    processorName,
    partition,
    watermark: watermark.current(),
    state: keyedState(key),
    stateOf: { forKey: keyedState },
    setTimer: (time, name, timerKey = key) => timers.register(timerKey, name, time, watermark.current()),
    cancelTimer: (time, name, timerKey = key) => timers.cancel(timerKey, name, time),
    emit,
    count: (name) => void (stats.counts[name] = (stats.counts[name] ?? 0) + 1),
    afterCommit: (effect) => void afterCommit.push(effect),
  });

  const fireDueTimers = (): void => {
    const onTimer = processor.onTimer;
    if (!onTimer) return;
    stats.timersFired += timers.fireDue(watermark.current(), (stored) => {
      const timer: FiredTimer = { time: stored.time, name: stored.name, key: stored.key };
      onTimer.call(processor, { ...baseContext(stored.key), timer });
    });
  };

  const deadLetter = (record: LogRecord, field: string, reason: string): void => {
    emit({ topic: deadLetterTopic, ...deadLetterOf(processorName, record, field, reason) });
    stats.deadLettered += 1;
  };

  const handlerFailed = (record: LogRecord, error: unknown): void => {
    const failure = new ProcessorError(
      'HANDLER_FAILED',
      `${processorName} failed on a record; dead-lettered`,
      {
        processor: processorName,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        cause: error,
      },
    );
    // Only the error's name and code: a message may quote what the record held.
    const code = (error as { code?: unknown } | null)?.code;
    const what = error instanceof Error ? error.name : typeof error;
    deadLetter(
      record,
      '(handler)',
      `could not be processed (${what}${typeof code === 'string' ? ` ${code}` : ''})`,
    );
    afterCommit.push(() => options.onError?.(failure));
  };

  /**
   * Apply one record. `guard`: how a throwing handler is contained — `buffer` undoes its state writes (a mark
   * in the store's write buffer), `sql` also its writes to the processor's own tables (a SQL savepoint), and
   * `none` lets the throw fail the whole transaction (the fast path of processors with their own tables).
   */
  const applyRecord = (record: LogRecord, guard: 'none' | 'buffer' | 'sql'): void => {
    let input: In;
    try {
      input = processor.parse(record);
    } catch (error) {
      const { field, reason } = describeParseError(error);
      deadLetter(record, field, reason);
      return;
    }
    const eventTime = processor.eventTime(input, record);
    const timeliness = eventTime === null ? 'untimed' : watermark.classify(eventTime);
    if (timeliness === 'too-late' && eventTime !== null) {
      const late: LateEvent = {
        processor: processorName,
        eventId: processor.eventId(input, record),
        occurredAt: new Date(eventTime).toISOString(),
        watermark: new Date(watermark.current()).toISOString(),
      };
      emit({
        topic: lateEventsTopic,
        key: record.key,
        value: late,
        outputId: `late:${processorName}:${record.topic}:${record.partition}:${record.offset}`,
      });
      stats.tooLate += 1;
      return;
    }
    if (timeliness === 'late') stats.lateApplied += 1;
    if (eventTime !== null && watermark.observe(eventTime)) fireDueTimers();
    const handle = (): void => {
      processor.onRecord(input, {
        ...baseContext(record.key ?? ''),
        record,
        eventTime,
        timeliness,
        deadLetter: (field, reason) => deadLetter(record, field, reason),
      });
      fireDueTimers();
      // A guarded run saves the working copy per record, so that a failing record can be undone by a load.
      if (guard !== 'none') processor.memory?.save(store, partition);
    };
    if (guard === 'none') return handle();
    const statsBefore = copyStats(stats);
    const effectsBefore = afterCommit.length;
    try {
      store.savepoint(handle, { ownTables: guard === 'sql' });
    } catch (error) {
      if (isStoreError(error)) throw error;
      stats = statsBefore;
      afterCommit.length = effectsBefore;
      processor.memory?.load(store, partition);
      handlerFailed(record, error);
    }
  };

  // A failed transaction leaves in-memory watermark and counters ahead of the store: reload them.
  const inTransaction = (fn: () => void): void => {
    try {
      store.transaction(fn);
    } catch (error) {
      watermark = createWatermarkTracker(options.eventTime, store.getMeta<WatermarkState>('watermark'));
      stats = storedStats(store);
      repeats = createRepeatFilter(store.getMeta<AppliedSequences>('appliedSequences'));
      afterCommit = [];
      processor.memory?.load(store, partition);
      throw error;
    }
    const effects = afterCommit;
    afterCommit = [];
    for (const effect of effects) effect();
  };

  const applyAll = (records: readonly LogRecord[], guard: 'none' | 'buffer' | 'sql'): void => {
    inTransaction(() => {
      const touched = new Map<string, { topic: string; partition: number; next: number }>();
      for (const record of records) {
        const offsetKey = partitionKey(record);
        const next = touched.get(offsetKey)?.next ?? nextOffsets.get(offsetKey) ?? 0;
        if (record.offset < next) continue;
        touched.set(offsetKey, { topic: record.topic, partition: record.partition, next: record.offset + 1 });
        if (repeats.isRepeat(record)) {
          stats.repeats += 1;
          continue;
        }
        applyRecord(record, guard);
        stats.records += 1;
      }
      if (touched.size === 0) return;
      processor.memory?.save(store, partition);
      for (const { topic, partition: inputPartition, next } of touched.values())
        store.setOffset(topic, inputPartition, next);
      store.setMeta('appliedSequences', repeats.state());
      store.setMeta('watermark', watermark.state());
      store.setMeta('stats', stats);
      for (const [offsetKey, { next }] of touched) nextOffsets.set(offsetKey, next);
    });
  };

  const processRecords = (records: readonly LogRecord[]): void => {
    if (processor.ownTables !== true && processor.memory === undefined) return applyAll(records, 'buffer');
    // Savepoints over the processor's own tables cost SQL per record, and saving a working copy per record
    // writes every row it touched again: only a batch that met a failing handler pays for them, when it is
    // run again.
    try {
      applyAll(records, 'none');
    } catch (error) {
      if (isStoreError(error)) throw error;
      applyAll(records, processor.ownTables === true ? 'sql' : 'buffer');
    }
  };

  return {
    partition,
    store,
    processBatch: (batch) => processRecords(batch.records),
    processRecords,
    advanceWatermark(target) {
      inTransaction(() => {
        if (!watermark.advanceTo(target)) return;
        processor.onWatermark?.(baseContext(''));
        fireDueTimers();
        processor.memory?.save(store, partition);
        store.setMeta('watermark', watermark.state());
        store.setMeta('stats', stats);
      });
    },
    watermark: () => watermark.current(),
    stats: () => copyStats(stats),
  };
}
