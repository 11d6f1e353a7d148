/**
 * The processor host: runs a {@link Processor} over input topics of any {@link Log} with exactly-once state.
 *
 * ## How to write a processor
 *
 * A processor is an object with `parse`, `eventTime`, `eventId`, `onRecord` and optionally `onTimer` and
 * `onWatermark` (called when an idle partition's watermark is moved without a record). It keeps
 * no memory of its own: everything lives in `context.state` (rows of the record's partition key, JSON values)
 * or in timers (`context.setTimer(time, name)`, fired by `onTimer` once the partition's watermark reaches
 * `time`). Its only effect is `context.emit({ topic, key, value, outputId })` with a DETERMINISTIC `outputId`
 * (derived from inputs and event times, never from wall-clock time or randomness).
 *
 * ```ts
 * const counter: Processor<CleanEvent> = {
 *   parse: (record) => cleanEventSchema.parse(JSON.parse(record.value)),
 *   eventTime: (event) => Date.parse(event.occurredAt),
 *   eventId: (event) => event.eventId,
 *   onRecord(event, ctx) {
 *     const window = tumblingWindow(ctx.eventTime!, MS.hour);
 *     ctx.state.put(`count:${window.start}`, (ctx.state.get<number>(`count:${window.start}`) ?? 0) + 1);
 *     ctx.setTimer(window.end, `close:${window.start}`);
 *   },
 *   onTimer(ctx) {
 *     const start = Number(ctx.timer.name.slice('close:'.length));
 *     const count = ctx.state.get<number>(`count:${start}`) ?? 0;
 *     ctx.state.delete(`count:${start}`);
 *     ctx.emit({ topic: 'my.counts', key: ctx.timer.key, value: { start, count }, outputId: `count:${ctx.timer.key}:${start}` });
 *   },
 * };
 * const host = createProcessorHost({ log, name: 'counter', inputTopics: [TOPICS.events], stateDir, processor: counter,
 *   eventTime: { maxOutOfOrdernessMs: 60_000, allowedLatenessMs: 0 } });
 * await host.start();
 * ```
 *
 * Rules: state is keyed by the record key, so every input topic must be partitioned by the same key with the
 * same partition count (co-partitioned); handle records of other keys only through `context.stateOf`. Records
 * `parse` rejects go to `cleanroom.dead-letter`; records older than `watermark - allowedLateness` go to
 * `cleanroom.late-events` (counted in `stats().tooLate`) and never reach `onRecord`.
 *
 * ## What the host guarantees
 *
 * - One SQLite state file per partition number (`<stateDir>/<name>/partition-<n>.sqlite`), so a partition's
 *   state moves with it when instances sharing `stateDir` rebalance, and a batch is one transaction in one file.
 * - Per batch: the handler runs, then state + timers + watermark + next input offsets + the outputs (the
 *   outbox) commit in ONE SQLite transaction; the outputs are produced afterwards and then forgotten. On
 *   start/assignment, unsent outbox entries are produced first, and the consumer seeks to the stored offsets.
 *   A SIGKILL at any point therefore loses nothing and re-sends at most outputs with ids already sent;
 *   every output carries its producer and outbox sequence, and a task skips what it already applied.
 * - Several input topics: a task takes their records through the ordered merge (ordered-merge.ts), in the
 *   sequence order of their common producer, so the interleaving does not depend on delivery timing.
 * - Watermarks are per partition: `max event time seen on the partition - maxOutOfOrdernessMs`. Timers fire
 *   in (time, key, name) order as it advances, so outputs depend only on the partition's input, not on batch
 *   sizes or timing. Idle partitions: a partition that received nothing for `idleTimeoutMs` of processing
 *   time (default 0 = off) and has no unread input is moved to the highest watermark among this host's
 *   partitions. This keeps time-driven outputs (segment exits, window closes) flowing when a partition goes
 *   quiet, at the price of determinism for those outputs only if the idle partition later receives events
 *   older than the advanced watermark (they are then late). Leave it off where exact replay matters.
 */
import path from 'node:path';
import type {
  Log,
  LogConsumer,
  LogRecord,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
} from './log.ts';
import type { EventTimeOptions, Processor } from './processor.ts';
import { createProcessorTask } from './processor-task.ts';
import type { ProcessorTask, SideTopics, TaskStats } from './processor-task.ts';
import { createOrderedMerge, takeMerged } from './ordered-merge.ts';
import type { OrderedMerge } from './ordered-merge.ts';
import { PRODUCER_HEADER, SEQUENCE_HEADER, producerEpochOf, producerHeaders } from './producer-sequence.ts';
import { openStateStore } from './state-store.ts';
import type { StateStore } from './state-store.ts';

/** The header carrying an output's deterministic id. */
export const OUTPUT_ID_HEADER = 'cleanroom-output-id';

/** Options of {@link createProcessorHost}. */
export interface ProcessorHostOptions<In> {
  log: Log;
  /** Processor name: names the consumer group (`cleanroom.<name>` unless `groupId`) and the state folder. */
  name: string;
  /** Co-partitioned input topics (same key, same partition count). */
  inputTopics: string[];
  /** Folder of the state files; instances sharing it can take over each other's partitions. */
  stateDir: string;
  processor: Processor<In>;
  eventTime: EventTimeOptions;
  groupId?: string;
  /** Processing-time idle timeout after which a quiet partition's watermark follows the others (0 = off). */
  idleTimeoutMs?: number;
  maxBatchSize?: number;
  /** Side-output topics (defaults: `cleanroom.late-events`, `cleanroom.dead-letter`). */
  sideTopics?: SideTopics;
  /** Called with errors the host survives (a failed produce is retried on the next batch or tick). */
  onError?: (error: unknown) => void;
}

/** Counters of a host: the sum over its tasks, plus the watermark of each partition. */
export interface HostStats extends TaskStats {
  watermarks: Record<number, number>;
  pendingOutbox: number;
}

/** A running processor. */
export interface ProcessorHost {
  /** Join the consumer group and start processing; resolves once joined. */
  start(): Promise<void>;
  /** Leave the group, produce what is still in the outbox, close the state files. */
  stop(): Promise<void>;
  stats(): HostStats;
  /** Tasks (one per partition number) this host has opened. */
  tasks(): ProcessorTask[];
  /** Whether every input partition has been read to its end offset and the outbox is empty. */
  caughtUp(): Promise<boolean>;
}

/** Create a host; see the file comment for how to write a processor. */
export function createProcessorHost<In>(options: ProcessorHostOptions<In>): ProcessorHost {
  const { log, name, processor } = options;
  const groupId = options.groupId ?? `cleanroom.${name}`;
  const tasks = new Map<number, ProcessorTask>();
  const flushing = new Map<number, Promise<void>>();
  const lastActivity = new Map<number, number>();
  // Producer id per task (stage, partition, state epoch): the outputs' repeat-filter identity.
  const producers = new Map<number, string>();
  let consumer: LogConsumer | undefined;
  let idleTimer: ReturnType<typeof setInterval> | undefined;
  let stopping = false;
  // Several input topics: each task takes their records in one deterministic order (see mergeFor).
  const merging = options.inputTopics.length > 1;
  const merges = new Map<number, OrderedMerge>();
  const knownEnds = new Map<string, number>();
  const maxBatchSize = options.maxBatchSize ?? 500;

  const mergeFor = (partition: number): OrderedMerge => {
    let merge = merges.get(partition);
    if (!merge) {
      merge = createOrderedMerge({
        topicRank: (topic) => options.inputTopics.indexOf(topic),
        compare: compareInputs,
      });
      merges.set(partition, merge);
    }
    return merge;
  };

  const taskFor = (partition: number, reload = false): ProcessorTask => {
    let task = tasks.get(partition);
    if (!task || reload) {
      const store =
        task?.store ?? openStateStore(path.join(options.stateDir, name, `partition-${partition}.sqlite`));
      task = createProcessorTask({
        processorName: name,
        partition,
        store,
        processor,
        eventTime: options.eventTime,
        ...(options.sideTopics ? { sideTopics: options.sideTopics } : {}),
      });
      tasks.set(partition, task);
      producers.set(partition, `${name}/${partition}/${producerEpochOf(store)}`);
    }
    return task;
  };

  // Produce a task's outbox in order; one flush at a time per task (the outbox is shared by its topics).
  const flush = (task: ProcessorTask): Promise<void> => {
    const previous = flushing.get(task.partition) ?? Promise.resolve();
    const producer = producers.get(task.partition)!;
    const next = previous.catch(() => undefined).then(() => produceStoreOutbox(log, task.store, producer));
    flushing.set(task.partition, next);
    return next;
  };

  const onAssign = async (assigned: TopicPartition[]): Promise<TopicPartitionOffset[]> => {
    const seeks: TopicPartitionOffset[] = [];
    // Re-read each task from its store: another instance sharing `stateDir` may have advanced it meanwhile.
    for (const partition of new Set(assigned.map((entry) => entry.partition))) taskFor(partition, true);
    for (const { topic, partition } of assigned) {
      const task = taskFor(partition);
      await flush(task);
      const stored = task.store.offsets().find((row) => row.topic === topic && row.partition === partition);
      if (stored) seeks.push({ topic, partition, offset: stored.offset });
      // The state is the truth: a merge starts where the state is (0 for a partition it never saw).
      if (merging) mergeFor(partition).assign({ topic, partition }, stored?.offset ?? 0);
      lastActivity.set(partition, Date.now());
    }
    return seeks;
  };

  const onRevoke = (revoked: TopicPartition[]): void => {
    for (const { topic, partition } of revoked) merges.get(partition)?.revoke([{ topic, partition }]);
  };

  const commitStored = async (task: ProcessorTask, topics: Iterable<string>): Promise<void> => {
    const wanted = new Set(topics);
    const next = task.store
      .offsets()
      .filter((row) => wanted.has(row.topic) && row.partition === task.partition);
    // For lag monitoring only: the offsets that matter are the ones stored with the state.
    if (next.length > 0) await consumer?.commit(next).catch((error: unknown) => options.onError?.(error));
  };

  const handleBatch = async (batch: RecordBatch): Promise<void> => {
    const task = taskFor(batch.partition);
    lastActivity.set(batch.partition, Date.now());
    if (merging) return mergeBatch(task, batch);
    task.processBatch(batch);
    await flush(task);
    await commitStored(task, [batch.topic]);
  };

  const mergeBatch = async (task: ProcessorTask, batch: RecordBatch): Promise<void> => {
    const merge = mergeFor(batch.partition);
    const pushed = merge.push(batch);
    if (!pushed.accepted) {
      consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: pushed.seekTo });
      return;
    }
    // Outputs a failed produce left behind go first (the batch delivered again may hold nothing new).
    await flush(task);
    for (;;) {
      // Stopping: what is still buffered is read again by the next start (its offsets were not stored).
      if (stopping) return;
      const records = await takeMerged(log, merge, knownEnds, maxBatchSize);
      if (records.length === 0) return;
      try {
        task.processRecords(records);
      } catch (error) {
        // Taken from the merge but not applied: start the task's inputs again from its stored offsets.
        for (const topic of options.inputTopics) {
          const stored = task.store
            .offsets()
            .find((row) => row.topic === topic && row.partition === task.partition);
          const position = { topic, partition: task.partition, offset: stored?.offset ?? 0 };
          merge.assign(position, position.offset);
          consumer?.seek(position);
        }
        throw error;
      }
      await flush(task);
      await commitStored(task, new Set(records.map((record) => record.topic)));
    }
  };

  const advanceIdlePartitions = async (): Promise<void> => {
    const idleMs = options.idleTimeoutMs ?? 0;
    const highest = Math.max(...[...tasks.values()].map((task) => task.watermark()));
    if (!Number.isFinite(highest)) return;
    for (const task of tasks.values()) {
      if (Date.now() - (lastActivity.get(task.partition) ?? 0) < idleMs || task.watermark() >= highest)
        continue;
      if (!(await partitionDrained(task))) continue;
      task.advanceWatermark(highest);
      await flush(task);
    }
  };

  const partitionDrained = async (task: ProcessorTask): Promise<boolean> => {
    for (const topic of options.inputTopics) {
      const ends = await log.endOffsets(topic);
      const stored = task.store
        .offsets()
        .find((row) => row.topic === topic && row.partition === task.partition);
      if ((ends[task.partition] ?? 0) > (stored?.offset ?? 0)) return false;
    }
    return true;
  };

  return {
    async start() {
      stopping = false;
      for (const topic of options.inputTopics) await log.createTopic(topic);
      consumer = log.consumer({
        groupId,
        topics: options.inputTopics,
        fromBeginning: true,
        autoCommit: false,
        maxBatchSize,
        onAssign,
        onRevoke,
        onError: (error) => options.onError?.(error),
      });
      await consumer.run(handleBatch);
      if ((options.idleTimeoutMs ?? 0) > 0) {
        idleTimer = setInterval(
          () => {
            advanceIdlePartitions().catch((error: unknown) => options.onError?.(error));
          },
          Math.max(50, (options.idleTimeoutMs ?? 0) / 2),
        );
      }
    },
    async stop() {
      stopping = true;
      if (idleTimer) clearInterval(idleTimer);
      await consumer?.stop();
      for (const task of tasks.values()) {
        await flush(task).catch((error: unknown) => options.onError?.(error));
        task.store.close();
      }
      tasks.clear();
    },
    stats() {
      const total: HostStats = {
        records: 0,
        lateApplied: 0,
        tooLate: 0,
        deadLettered: 0,
        timersFired: 0,
        outputs: 0,
        repeats: 0,
        watermarks: {},
        pendingOutbox: 0,
      };
      for (const task of tasks.values()) {
        const stats = task.stats();
        total.records += stats.records;
        total.lateApplied += stats.lateApplied;
        total.tooLate += stats.tooLate;
        total.deadLettered += stats.deadLettered;
        total.timersFired += stats.timersFired;
        total.outputs += stats.outputs;
        total.repeats += stats.repeats;
        total.watermarks[task.partition] = task.watermark();
        total.pendingOutbox += task.store.pendingOutbox().length;
      }
      return total;
    },
    tasks: () => [...tasks.values()],
    async caughtUp() {
      for (const topic of options.inputTopics) {
        const ends = await log.endOffsets(topic);
        for (const [partition, end] of ends.entries()) {
          const task = tasks.get(partition);
          const stored = task?.store
            .offsets()
            .find((row) => row.topic === topic && row.partition === partition);
          if (end > (stored?.offset ?? 0)) return false;
        }
      }
      return [...tasks.values()].every((task) => task.store.pendingOutbox().length === 0);
    },
  };
}

/**
 * The merge order of two records of a task's input topics. Records of ONE producer (ingest writes both
 * `cleanroom.events` and `cleanroom.consent`) are taken in its sequence order: the order it made them, the
 * same in every run. That order is also safe to wait on: a producer sends its outbox in sequence order, so
 * once a topic has nothing unread, whatever it receives later comes after every head already read. Records of
 * different producers fall back to their log timestamps (arrival order: not deterministic across restarts,
 * which such stages must tolerate, as attribution does by restating).
 */
function compareInputs(a: LogRecord, b: LogRecord): number {
  const producer = a.headers[PRODUCER_HEADER];
  if (producer !== undefined && producer === b.headers[PRODUCER_HEADER]) {
    return Number(a.headers[SEQUENCE_HEADER]) - Number(b.headers[SEQUENCE_HEADER]);
  }
  return a.timestamp - b.timestamp;
}

/**
 * Produce a state store's unsent outputs in order (runs of one topic per produce call) with their id and
 * producer headers, then confirm them.
 */
export async function produceStoreOutbox(log: Log, store: StateStore, producer: string): Promise<void> {
  const pending = store.pendingOutbox();
  let start = 0;
  while (start < pending.length) {
    const topic = pending[start]!.topic;
    let end = start;
    while (end < pending.length && end - start < 500 && pending[end]!.topic === topic) end += 1;
    const run = pending.slice(start, end);
    await log.produce(
      topic,
      run.map((entry) => ({
        key: entry.key,
        value: entry.value,
        headers: { [OUTPUT_ID_HEADER]: entry.outputId, ...producerHeaders(producer, entry.sequence) },
        ...(entry.partition === null ? {} : { partition: entry.partition }),
      })),
    );
    store.confirmOutbox(run[run.length - 1]!.sequence);
    start = end;
  }
}
