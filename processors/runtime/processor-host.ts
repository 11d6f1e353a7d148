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
 *   A SIGKILL at any point therefore loses nothing and re-sends at most outputs with ids already sent.
 * - Watermarks are per partition: `max event time seen on the partition - maxOutOfOrdernessMs`. Timers fire
 *   in (time, key, name) order as it advances, so outputs depend only on the partition's input, not on batch
 *   sizes or timing. Idle partitions: a partition that received nothing for `idleTimeoutMs` of processing
 *   time (default 0 = off) and has no unread input is moved to the highest watermark among this host's
 *   partitions. This keeps time-driven outputs (segment exits, window closes) flowing when a partition goes
 *   quiet, at the price of determinism for those outputs only if the idle partition later receives events
 *   older than the advanced watermark (they are then late). Leave it off where exact replay matters.
 */
import path from 'node:path';
import type { Log, LogConsumer, RecordBatch, TopicPartition, TopicPartitionOffset } from './log.ts';
import type { EventTimeOptions, Processor } from './processor.ts';
import { createProcessorTask } from './processor-task.ts';
import type { ProcessorTask, SideTopics, TaskStats } from './processor-task.ts';
import { openStateStore } from './state-store.ts';

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
  let consumer: LogConsumer | undefined;
  let idleTimer: ReturnType<typeof setInterval> | undefined;

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
    }
    return task;
  };

  // Produce a task's outbox in order; one flush at a time per task (the outbox is shared by its topics).
  const flush = (task: ProcessorTask): Promise<void> => {
    const previous = flushing.get(task.partition) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => produceOutbox(log, task));
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
      lastActivity.set(partition, Date.now());
    }
    return seeks;
  };

  const handleBatch = async (batch: RecordBatch): Promise<void> => {
    const task = taskFor(batch.partition);
    lastActivity.set(batch.partition, Date.now());
    task.processBatch(batch);
    await flush(task);
    const next = task.store
      .offsets()
      .find((row) => row.topic === batch.topic && row.partition === batch.partition);
    // For lag monitoring only: the offsets that matter are the ones stored with the state.
    if (next) await consumer?.commit([next]).catch((error: unknown) => options.onError?.(error));
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
      for (const topic of options.inputTopics) await log.createTopic(topic);
      consumer = log.consumer({
        groupId,
        topics: options.inputTopics,
        fromBeginning: true,
        autoCommit: false,
        ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
        onAssign,
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

/** Produce a task's unsent outputs in order (runs of one topic per produce call), then confirm them. */
async function produceOutbox(log: Log, task: ProcessorTask): Promise<void> {
  const pending = task.store.pendingOutbox();
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
        headers: { [OUTPUT_ID_HEADER]: entry.outputId },
        ...(entry.partition === null ? {} : { partition: entry.partition }),
      })),
    );
    task.store.confirmOutbox(run[run.length - 1]!.sequence);
    start = end;
  }
}
