/**
 * The processor host: runs a {@link Processor} over input topics of any {@link Log} with exactly-once state.
 *
 * ## How to write a processor
 *
 * A processor is an object with `parse`, `eventTime`, `eventId`, `onRecord` and optionally `onTimer` and
 * `onWatermark` (called when an idle partition's watermark is moved without a record). It keeps
 * no memory of its own (but for a working copy of its state declared as `memory`, see processor.ts):
 * everything lives in `context.state` (rows of the record's partition key, JSON values) or in timers (`context.setTimer(time, name)`, fired by `onTimer` once the partition's watermark reaches
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
 * ## Layouts
 *
 * - `co-partitioned` (default): one task (and state file) per partition number of the input topics.
 * - `merged`: ONE task over every partition of every input topic, taking their records in log-time order
 *   (timestamp, then topic rank, topic, partition) through the ordered merge. For a stage whose state spans
 *   all of its input and cannot be partitioned (ingest: identity links and consent come from one topic and
 *   resolve the events of all the others). Its producer id has no partition: `<name>/<epoch>`.
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
 *   sequence order of their common producer, so the interleaving does not depend on delivery timing (merged
 *   layout: in log-time order). Batches of one task are handled one at a time, whatever the consumer does.
 * - The consumer group's offsets are committed after the outputs are out, for lag monitoring and `caughtUp`
 *   dashboards only; the stored offsets are re-committed after every join (a kill between the state's commit
 *   and the group's must not leave the group behind for good).
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
import type { ProcessorTask, SideTopics } from './processor-task.ts';
import { createOrderedMerge, takeMerged } from './ordered-merge.ts';
import type { OrderedMerge } from './ordered-merge.ts';
import { partitionKey } from './partition-key.ts';
import { PRODUCER_HEADER, SEQUENCE_HEADER, producerEpochOf } from './producer-sequence.ts';
import { produceStoreOutbox } from './store-outbox.ts';
import { openStateStore } from './state/state-store.ts';
import type { StateStore } from './state/state-store.ts';
import { HOST_EVENTS } from './host-events.ts';
import type { HostEventListener } from './host-events.ts';
import { sumTaskStats } from './host-stats.ts';
import type { HostStats } from './host-stats.ts';

export { OUTPUT_ID_HEADER } from './store-outbox.ts';

/** How input partitions map to tasks (see the file comment). */
export type HostLayout = 'co-partitioned' | 'merged';

/** Options of {@link createProcessorHost}. */
export interface ProcessorHostOptions<In> {
  log: Log;
  /** Processor name: names the consumer group (`cleanroom.<name>` unless `groupId`) and the state folder. */
  name: string;
  /** Co-partitioned input topics (same key, same partition count), or any topics in the merged layout. */
  inputTopics: string[];
  /** Folder of the state files; instances sharing it can take over each other's partitions. */
  stateDir: string;
  processor: Processor<In>;
  eventTime: EventTimeOptions;
  groupId?: string;
  /** Default `co-partitioned`. */
  layout?: HostLayout;
  /** Open the state store of task `task` (default `<stateDir>/<name>/partition-<task>.sqlite`). */
  openStore?: (task: number) => StateStore;
  /** Processing-time idle timeout after which a quiet partition's watermark follows the others (0 = off). */
  idleTimeoutMs?: number;
  maxBatchSize?: number;
  /** Side-output topics (defaults: `cleanroom.late-events`, `cleanroom.dead-letter`). */
  sideTopics?: SideTopics;
  /** Called with errors the host survives (a failed produce is retried on the next batch or tick). */
  onError?: (error: unknown) => void;
  /** Told what happens to batches (see {@link HOST_EVENTS}). */
  onEvent?: HostEventListener;
}

export type { HostStats } from './host-stats.ts';

/** A running processor. */
export interface ProcessorHost {
  /** Join the consumer group and start processing; resolves once joined. */
  start(): Promise<void>;
  /** Leave the group, produce what is still in the outbox, close the state files. */
  stop(): Promise<void>;
  /** Counters of the open tasks (after `stop`: as they were when it stopped). */
  stats(): HostStats;
  /** Tasks this host has opened (one per partition number; one in all when merged). */
  tasks(): ProcessorTask[];
  /** Whether every input partition has been read to its end offset and the outbox is empty. */
  caughtUp(): Promise<boolean>;
}

/** Create a host; see the file comment for how to write a processor. */
export function createProcessorHost<In>(options: ProcessorHostOptions<In>): ProcessorHost {
  const { log, name, processor } = options;
  const groupId = options.groupId ?? `cleanroom.${name}`;
  const merged = options.layout === 'merged';
  const taskOf = (partition: number): number => (merged ? 0 : partition);
  const openStore =
    options.openStore ??
    ((task: number) => openStateStore(path.join(options.stateDir, name, `partition-${task}.sqlite`)));
  const tasks = new Map<number, ProcessorTask>();
  // One batch of a task at a time, and one produce of its outbox at a time.
  const handling = new Map<number, Promise<void>>();
  const flushing = new Map<number, Promise<void>>();
  const lastActivity = new Map<number, number>();
  // Producer id per task (stage, partition unless merged, state epoch): the outputs' repeat-filter identity.
  const producers = new Map<number, string>();
  // Offsets last committed to the group per input partition (commits are for monitoring; skip repeats).
  const committed = new Map<string, number>();
  let consumer: LogConsumer | undefined;
  let idleTimer: ReturnType<typeof setInterval> | undefined;
  let stopping = false;
  let finalStats: HostStats | undefined;
  // Several input topics, or the merged layout: a task takes its records in one deterministic order.
  const merging = merged || options.inputTopics.length > 1;
  const merges = new Map<number, OrderedMerge>();
  const knownEnds = new Map<string, number>();
  const maxBatchSize = options.maxBatchSize ?? 500;
  const report = (error: unknown): void => options.onError?.(error);

  const mergeFor = (task: number): OrderedMerge => {
    let merge = merges.get(task);
    if (!merge) {
      merge = createOrderedMerge({
        topicRank: (topic) => options.inputTopics.indexOf(topic),
        ...(merged ? {} : { compare: compareInputs }),
      });
      merges.set(task, merge);
    }
    return merge;
  };

  const taskFor = (id: number, reload = false): ProcessorTask => {
    let task = tasks.get(id);
    if (!task || reload) {
      const store = task?.store ?? openStore(id);
      task = createProcessorTask({
        processorName: name,
        partition: id,
        store,
        processor,
        eventTime: options.eventTime,
        onError: report,
        ...(options.sideTopics ? { sideTopics: options.sideTopics } : {}),
      });
      tasks.set(id, task);
      const epoch = producerEpochOf(store);
      producers.set(id, merged ? `${name}/${epoch}` : `${name}/${id}/${epoch}`);
    }
    return task;
  };

  /**
   * The input offsets stored with a task's state, by partition key: read once per use, not once per partition (a
   * merged task has every partition of every input, and this runs after every batch).
   */
  const storedOffsets = (task: ProcessorTask | undefined): Map<string, number> =>
    new Map((task?.store.offsets() ?? []).map((row) => [partitionKey(row), row.offset]));
  const storedOffset = (task: ProcessorTask | undefined, topic: string, partition: number): number =>
    storedOffsets(task).get(partitionKey({ topic, partition })) ?? 0;

  // Produce a task's outbox in order, after any produce of it still under way (whether that one failed or not:
  // its failure went to whoever awaited it, and what it left unsent is sent now).
  const flush = (task: ProcessorTask): Promise<void> => {
    const previous = flushing.get(task.partition) ?? Promise.resolve();
    const producer = producers.get(task.partition)!;
    const produce = async (): Promise<void> => {
      const outputs = await produceStoreOutbox(log, task.store, producer);
      if (outputs > 0) options.onEvent?.(HOST_EVENTS.OUTPUTS_PRODUCED, { task: task.partition, outputs });
    };
    const next = previous.then(produce, produce);
    flushing.set(task.partition, next);
    return next;
  };

  /** The input partitions assigned to this member that belong to `task`. */
  const assignedTo = (task: ProcessorTask): TopicPartition[] =>
    (consumer?.assignments() ?? []).filter(({ partition }) => taskOf(partition) === task.partition);

  // For lag monitoring and dashboards only: the offsets that matter are the ones stored with the state. Made
  // after the outputs are out (a group at its end must mean the outputs exist).
  const commitStored = async (task: ProcessorTask): Promise<void> => {
    const stored = storedOffsets(task);
    const changed = assignedTo(task)
      .map(({ topic, partition }) => ({
        topic,
        partition,
        offset: stored.get(partitionKey({ topic, partition })) ?? 0,
      }))
      // Offset 0 too: a group's commit is what holds its input against the embedded log's retention.
      .filter((entry) => committed.get(partitionKey(entry)) !== entry.offset);
    if (changed.length === 0 || !consumer) return;
    try {
      await consumer.commit(changed);
      for (const entry of changed) committed.set(partitionKey(entry), entry.offset);
    } catch (error) {
      // Not fatal: the consumer makes a failed commit again, and the next batch commits the latest offsets.
      report(error);
    }
  };

  const onAssign = async (assigned: TopicPartition[]): Promise<TopicPartitionOffset[]> => {
    const seeks: TopicPartitionOffset[] = [];
    // Re-read each task from its store: another instance sharing `stateDir` may have advanced it meanwhile.
    for (const id of new Set(assigned.map((entry) => taskOf(entry.partition)))) taskFor(id, true);
    for (const { topic, partition } of assigned) {
      const task = taskFor(taskOf(partition));
      committed.delete(partitionKey({ topic, partition }));
      await flush(task);
      // The state is the truth: a partition it never saw starts at 0, whatever the group committed.
      const offset = storedOffset(task, topic, partition);
      seeks.push({ topic, partition, offset });
      if (merging) mergeFor(task.partition).assign({ topic, partition }, offset);
      lastActivity.set(task.partition, Date.now());
    }
    return seeks;
  };

  const onRevoke = (revoked: TopicPartition[]): void => {
    for (const { topic, partition } of revoked) merges.get(taskOf(partition))?.revoke([{ topic, partition }]);
  };

  const applied = (task: ProcessorTask, records: readonly LogRecord[], outputsBefore: number): void => {
    if (options.onEvent === undefined || records.length === 0) return;
    const positions = new Map<
      string,
      { topic: string; partition: number; nextOffset: number; records: number }
    >();
    for (const record of records) {
      const key = partitionKey(record);
      const entry = positions.get(key) ?? {
        topic: record.topic,
        partition: record.partition,
        nextOffset: 0,
        records: 0,
      };
      entry.nextOffset = record.offset + 1;
      entry.records += 1;
      positions.set(key, entry);
    }
    const outputs = task.stats().outputs - outputsBefore;
    for (const position of positions.values())
      options.onEvent(HOST_EVENTS.BATCH_COMMITTED, { task: task.partition, ...position, outputs });
  };

  const process = (task: ProcessorTask, records: readonly LogRecord[]): void => {
    const outputsBefore = task.stats().outputs;
    task.processRecords(records);
    applied(task, records, outputsBefore);
  };

  const handle = async (batch: RecordBatch): Promise<void> => {
    const task = taskFor(taskOf(batch.partition));
    lastActivity.set(task.partition, Date.now());
    if (merging) return mergeBatch(task, batch);
    process(task, batch.records);
    await flush(task);
    await commitStored(task);
  };

  const handleBatch = (batch: RecordBatch): Promise<void> => {
    const id = taskOf(batch.partition);
    const run = async (): Promise<void> => {
      try {
        await handle(batch);
      } catch (error) {
        const where = {
          topic: batch.topic,
          partition: batch.partition,
          offset: batch.records[0]?.offset ?? -1,
        };
        options.onEvent?.(HOST_EVENTS.BATCH_FAILED, { task: id, ...where, error });
        throw error;
      }
    };
    // After the task's batch in hand, whatever became of it (the consumer was told of its failure).
    const previous = handling.get(id) ?? Promise.resolve();
    const next = previous.then(run, run);
    handling.set(id, next);
    return next;
  };

  // Taken from the merge but not applied: start the task's inputs again from its stored offsets.
  const restartMerge = (task: ProcessorTask, merge: OrderedMerge): void => {
    for (const { topic, partition } of assignedTo(task)) {
      const position = { topic, partition, offset: storedOffset(task, topic, partition) };
      merge.assign(position, position.offset);
      consumer?.seek(position);
    }
  };

  const mergeBatch = async (task: ProcessorTask, batch: RecordBatch): Promise<void> => {
    const merge = mergeFor(task.partition);
    const pushed = merge.push(batch);
    if (!pushed.accepted) {
      // Held back (the partition is far ahead of the others): deliver it again later.
      consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: pushed.seekTo });
      return;
    }
    // Outputs a failed produce left behind go first (the batch delivered again may hold nothing new).
    await flush(task);
    await commitStored(task);
    for (;;) {
      // Stopping: what is still buffered is read again by the next start (its offsets were not stored).
      if (stopping) return;
      const records = await takeMerged(log, merge, knownEnds, maxBatchSize);
      if (records.length === 0) return;
      try {
        process(task, records);
      } catch (error) {
        restartMerge(task, merge);
        throw error;
      }
      await flush(task);
      await commitStored(task);
    }
  };

  /** Whether every input partition of `task` has been read (its stored offset at the end offset). */
  const readToEnd = async (task: ProcessorTask | undefined, id: number): Promise<boolean> => {
    for (const topic of options.inputTopics) {
      const ends = await log.endOffsets(topic);
      const stored = storedOffsets(task);
      for (const [partition, end] of ends.entries()) {
        if (taskOf(partition) === id && end > (stored.get(partitionKey({ topic, partition })) ?? 0))
          return false;
      }
    }
    return true;
  };

  const advanceIdlePartitions = async (): Promise<void> => {
    const idleMs = options.idleTimeoutMs ?? 0;
    const highest = Math.max(...[...tasks.values()].map((task) => task.watermark()));
    if (!Number.isFinite(highest)) return;
    for (const task of tasks.values()) {
      if (Date.now() - (lastActivity.get(task.partition) ?? 0) < idleMs || task.watermark() >= highest)
        continue;
      if (!(await readToEnd(task, task.partition))) continue;
      task.advanceWatermark(highest);
      await flush(task);
    }
  };

  return {
    async start() {
      stopping = false;
      finalStats = undefined;
      for (const topic of options.inputTopics) await log.createTopic(topic);
      consumer = log.consumer({
        groupId,
        topics: options.inputTopics,
        fromBeginning: true,
        autoCommit: false,
        maxBatchSize,
        onAssign,
        onRevoke,
        onError: report,
      });
      await consumer.run(handleBatch);
      // A kill between the state's commit and the group's leaves the group behind the state, for good when no
      // input follows: bring it level with what the state holds.
      for (const id of new Set((consumer.assignments() ?? []).map(({ partition }) => taskOf(partition))))
        await commitStored(taskFor(id));
      if ((options.idleTimeoutMs ?? 0) > 0) {
        idleTimer = setInterval(
          () => void advanceIdlePartitions().catch(report),
          Math.max(50, (options.idleTimeoutMs ?? 0) / 2),
        );
      }
    },
    async stop() {
      stopping = true;
      if (idleTimer) clearInterval(idleTimer);
      await consumer?.stop();
      for (const task of tasks.values()) await flush(task).catch(report);
      finalStats = sumTaskStats([...tasks.values()]);
      for (const task of tasks.values()) task.store.close();
      tasks.clear();
    },
    stats: () => finalStats ?? sumTaskStats([...tasks.values()]),
    tasks: () => [...tasks.values()],
    async caughtUp() {
      const ids = new Set<number>();
      for (const topic of options.inputTopics)
        for (const partition of (await log.endOffsets(topic)).keys()) ids.add(taskOf(partition));
      for (const id of ids) if (!(await readToEnd(tasks.get(id), id))) return false;
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
