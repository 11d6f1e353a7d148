/**
 * A processor task: one processor over one partition number of its (co-partitioned) input topics, with its
 * own state store. `processBatch` applies a batch in ONE transaction: state, timers, watermark, counters, the
 * next input offsets and the outbox of outputs. Producing the outbox is the host's job, after the commit.
 */
import { createHash } from 'node:crypto';
import { TOPICS } from '../../schema/topics.ts';
import type { DeadLetter, LateEvent } from '../../schema/topics.ts';
import type { LogRecord, RecordBatch } from './log.ts';
import type {
  EventTimeOptions,
  FiredTimer,
  KeyedState,
  Processor,
  ProcessorContext,
  ProcessorOutput,
} from './processor.ts';
import type { StateStore } from './state-store.ts';
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
}

/** One processor over one partition number. */
export interface ProcessorTask {
  readonly partition: number;
  readonly store: StateStore;
  /** Apply a batch (records at offsets already stored are skipped: a redelivery). */
  processBatch(batch: RecordBatch): void;
  /** Apply records of any of the task's input topics, in the order given, in one transaction. */
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
}

/** Where a task sends records it cannot apply. */
export interface SideTopics {
  lateEvents?: string;
  deadLetter?: string;
}

const EMPTY_STATS: TaskStats = {
  records: 0,
  lateApplied: 0,
  tooLate: 0,
  deadLettered: 0,
  timersFired: 0,
  outputs: 0,
  repeats: 0,
};

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
  let stats: TaskStats = { ...EMPTY_STATS, ...store.getMeta<TaskStats>('stats') };
  let repeats = createRepeatFilter(store.getMeta<AppliedSequences>('appliedSequences'));
  const nextOffsets = new Map(store.offsets().map((row) => [`${row.topic}:${row.partition}`, row.offset]));

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
    const value: DeadLetter = {
      deadLetterId: `dead:${processorName}:${record.topic}:${record.partition}:${record.offset}`,
      sourceTopic: record.topic,
      partition: record.partition,
      offset: record.offset,
      field,
      reason: reason.slice(0, 500),
      payloadSha256: createHash('sha256').update(record.value, 'utf8').digest('hex'),
      payloadBytes: Buffer.byteLength(record.value, 'utf8'),
      receivedAt: new Date(record.timestamp).toISOString(),
    };
    emit({ topic: deadLetterTopic, key: record.key, value, outputId: value.deadLetterId });
    stats.deadLettered += 1;
  };

  const applyRecord = (record: LogRecord): void => {
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
    const statsBefore = { ...stats };
    try {
      store.savepoint(() => {
        processor.onRecord(input, { ...baseContext(record.key ?? ''), record, eventTime, timeliness });
        fireDueTimers();
      });
    } catch (error) {
      stats = statsBefore;
      deadLetter(
        record,
        '(handler)',
        `handler failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };

  // A failed transaction leaves in-memory watermark and counters ahead of the store: reload them.
  const inTransaction = (fn: () => void): void => {
    try {
      store.transaction(fn);
    } catch (error) {
      watermark = createWatermarkTracker(options.eventTime, store.getMeta<WatermarkState>('watermark'));
      stats = { ...EMPTY_STATS, ...store.getMeta<TaskStats>('stats') };
      repeats = createRepeatFilter(store.getMeta<AppliedSequences>('appliedSequences'));
      throw error;
    }
  };

  const processRecords = (records: readonly LogRecord[]): void => {
    inTransaction(() => {
      const touched = new Map<string, { topic: string; partition: number; next: number }>();
      for (const record of records) {
        const offsetKey = `${record.topic}:${record.partition}`;
        const next = touched.get(offsetKey)?.next ?? nextOffsets.get(offsetKey) ?? 0;
        if (record.offset < next) continue;
        touched.set(offsetKey, { topic: record.topic, partition: record.partition, next: record.offset + 1 });
        if (repeats.isRepeat(record)) {
          stats.repeats += 1;
          continue;
        }
        applyRecord(record);
        stats.records += 1;
      }
      if (touched.size === 0) return;
      for (const { topic, partition: inputPartition, next } of touched.values())
        store.setOffset(topic, inputPartition, next);
      store.setMeta('appliedSequences', repeats.state());
      store.setMeta('watermark', watermark.state());
      store.setMeta('stats', stats);
      for (const [offsetKey, { next }] of touched) nextOffsets.set(offsetKey, next);
    });
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
        store.setMeta('watermark', watermark.state());
        store.setMeta('stats', stats);
      });
    },
    watermark: () => watermark.current(),
    stats: () => ({ ...stats }),
  };
}

/** The field and reason of a parse failure (a zod error's first issue when there is one). */
function describeParseError(error: unknown): { field: string; reason: string } {
  const issues = (error as { issues?: Array<{ path?: PropertyKey[]; message?: string }> } | null)?.issues;
  const first = Array.isArray(issues) ? issues[0] : undefined;
  if (first) {
    const field = first.path && first.path.length > 0 ? first.path.map(String).join('.') : '(value)';
    return { field, reason: first.message ?? 'is invalid' };
  }
  return { field: '(value)', reason: error instanceof Error ? error.message : 'is invalid' };
}
