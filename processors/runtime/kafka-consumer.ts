/**
 * A consumer-group member of the Kafka log, over a KafkaJS consumer driven with `eachBatch`, manual offset
 * resolution and explicit commits, so it keeps the same semantics as the embedded consumer.
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { createErrorReporter, groupFailed, handlerFailed, handlerRetryPauseMs } from './consumer-errors.ts';
import { LogError } from './errors.ts';
import type {
  ConsumerOptions,
  LogConsumer,
  LogRecord,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
} from './log.ts';
import { partitionKey } from './partition-key.ts';

/** What a Kafka consumer needs from its log. */
export interface KafkaConsumerContext {
  kafka: Kafka;
  config: Omit<ConsumerConfig, 'groupId'>;
  ensureTopics(topics: readonly string[]): Promise<void>;
  onClosed(consumer: LogConsumer): void;
  /** Sees every error the consumer survives (beside `onError`), for the log's own diagnostics. */
  onRecovered?(error: LogError): void;
}

const tpKey = (topic: string, partition: number): string => partitionKey({ topic, partition });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Pause before a commit that failed is made again. */
const RECOMMIT_PAUSE_MS = 1_000;

/** Longest pause between two attempts to replace a crashed KafkaJS consumer. */
const MAX_REPLACE_PAUSE_MS = 2_000;

/** Errors telling a member it no longer holds its partitions: the batch in hand is given up, KafkaJS rejoins. */
const MEMBERSHIP_LOST = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);
const membershipLost = (error: unknown): boolean =>
  MEMBERSHIP_LOST.has(String((error as { type?: unknown } | null)?.type));

function headerText(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

function toRecord(topic: string, partition: number, message: KafkaMessage): LogRecord {
  const headers: Record<string, string> = {};
  if (message.headers) {
    for (const [name, value] of Object.entries(message.headers)) {
      const text = headerText(value);
      if (text !== undefined) headers[name] = text;
    }
  }
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value === null ? '' : message.value.toString('utf8'),
    headers,
    timestamp: Number(message.timestamp),
  };
}

/** Creates a consumer of the Kafka log (used by `createKafkaLog`). */
export function createKafkaConsumer(context: KafkaConsumerContext, options: ConsumerOptions): LogConsumer {
  const { groupId, topics } = options;
  const maxBatchSize = options.maxBatchSize ?? 500;
  const autoCommit = options.autoCommit ?? true;
  let consumer: Consumer | undefined;
  let running = false;
  let stopping: Promise<void> | undefined;
  let assigned: TopicPartition[] = [];
  const pendingSeeks = new Map<string, TopicPartitionOffset>();
  // The latest offset commit() was asked for per partition, until the broker took it. A commit that meets a
  // broker outage or a lost membership is made again (a second later, and after the next join): otherwise a
  // partition that gets no more input keeps the group's offset behind what was processed for good, and lag or
  // caught-up checks that read the group's offsets never see it finish.
  const uncommitted = new Map<string, TopicPartitionOffset>();
  // Rebalance callbacks run in order; a batch waits for them so onAssign's seeks come first.
  let gate: Promise<void> = Promise.resolve();
  // Resolves run() once the first assignment arrives (or stop() is called first).
  let joined: () => void = () => {};
  // Set by a crash: KafkaJS then fetches from the group's committed offsets, not from where onAssign put the
  // partitions, so the next join hands every partition to onRevoke and onAssign again.
  let reassignAll = false;
  // A consumer that never joined fails run() instead of being replaced.
  let everJoined = false;

  // A disconnect that fails leaves nothing to undo (the broker drops the member after its session): told, not fatal.
  const reportDisconnect = (what: string, cause: unknown): void =>
    reportError(
      new LogError('CONNECTION_FAILED', `${what} of group ${groupId} did not disconnect`, {
        groupId,
        retriable: true,
        cause,
      }),
    );

  const reportError = createErrorReporter(context.onRecovered, options.onError);

  function onGroupJoin(kafkaConsumer: Consumer, memberAssignment: Record<string, number[]>): void {
    const next: TopicPartition[] = [];
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      for (const partition of partitions) next.push({ topic, partition });
    }
    next.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    const previous = new Set(reassignAll ? [] : assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    reassignAll = false;
    const nextKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = assigned.filter(
      (tp) => !previous.has(tpKey(tp.topic, tp.partition)) || !nextKeys.has(tpKey(tp.topic, tp.partition)),
    );
    const added = next.filter((tp) => !previous.has(tpKey(tp.topic, tp.partition)));
    assigned = next;
    gate = gate.then(async () => {
      try {
        if (revoked.length > 0) await options.onRevoke?.(revoked);
      } catch (cause) {
        reportError(groupFailed(groupId, `onRevoke of group ${groupId} failed`, cause));
      }
      const positions = added.length > 0 ? await assignWithRetries(kafkaConsumer, added) : [];
      for (const [key, seek] of pendingSeeks) {
        if (!nextKeys.has(key)) continue;
        positions.push(seek);
        pendingSeeks.delete(key);
      }
      for (const position of positions) {
        try {
          kafkaConsumer.seek({ ...position, offset: String(position.offset) });
        } catch {
          // The KafkaJS consumer is between a crash and its restart: the seek waits for the next join.
          pendingSeeks.set(tpKey(position.topic, position.partition), position);
        }
      }
      for (const key of uncommitted.keys()) if (!nextKeys.has(key)) uncommitted.delete(key);
      if (uncommitted.size > 0) recommitLater(0);
    });
  }

  // Commits go one at a time (a retried older commit must never land after a newer one); each commits the
  // latest offset asked for its partitions, and resolves once that (or a later one) is taken.
  let commitChain: Promise<void> = Promise.resolve();
  function commitTracked(kafkaConsumer: Consumer, offsets: TopicPartitionOffset[]): Promise<void> {
    const keys = offsets.map(({ topic, partition }) => tpKey(topic, partition));
    offsets.forEach((entry, index) => uncommitted.set(keys[index]!, entry));
    const job = commitChain.then(async () => {
      const latest = keys.flatMap((key) => {
        const entry = uncommitted.get(key);
        return entry === undefined ? [] : [entry];
      });
      if (latest.length === 0) return;
      try {
        await kafkaConsumer.commitOffsets(
          latest.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })),
        );
      } catch (error) {
        recommitLater(RECOMMIT_PAUSE_MS);
        throw error;
      }
      for (const entry of latest) {
        const key = tpKey(entry.topic, entry.partition);
        if (uncommitted.get(key) === entry) uncommitted.delete(key);
      }
    });
    // Whoever asked for this commit gets its failure through `job`; the chain only keeps commits in order.
    commitChain = job.then(settled, settled);
    return job;
  }

  let recommitTimer: ReturnType<typeof setTimeout> | undefined;
  function recommitLater(ms: number): void {
    if (recommitTimer !== undefined) return;
    recommitTimer = setTimeout(() => {
      recommitTimer = undefined;
      if (!running || stopping !== undefined || !consumer || uncommitted.size === 0) return;
      commitTracked(consumer, [...uncommitted.values()]).catch((cause: unknown) =>
        reportError(
          new LogError('COMMIT_FAILED', `commit of group ${groupId} failed again`, {
            groupId,
            retriable: true,
            cause,
          }),
        ),
      );
    }, ms);
  }

  // onAssign promises that no record of a partition is delivered before it ran, so a failure (its own produce
  // meeting a broker that is still electing leaders, say) is tried again rather than skipped.
  async function assignWithRetries(
    kafkaConsumer: Consumer,
    added: TopicPartition[],
  ): Promise<TopicPartitionOffset[]> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return [...((await options.onAssign?.(added)) ?? [])];
      } catch (cause) {
        reportError(groupFailed(groupId, `onAssign of group ${groupId} failed`, cause));
      }
      await sleep(Math.min(100 * 2 ** attempt, MAX_REPLACE_PAUSE_MS));
      // Replaced, stopped or crashed meanwhile: the next join assigns every partition afresh.
      if (consumer !== kafkaConsumer || !running || stopping !== undefined || reassignAll) return [];
    }
  }

  async function deliver(
    handler: (batch: RecordBatch) => Promise<void>,
    batch: RecordBatch,
    payload: EachBatchPayload,
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      if (!payload.isRunning() || payload.isStale()) return false;
      try {
        await handler(batch);
        return true;
      } catch (cause) {
        reportError(handlerFailed(batch, groupId, cause));
        await sleep(handlerRetryPauseMs(attempt));
        try {
          await payload.heartbeat();
        } catch (error) {
          // No longer a member (the broker restarted, the session expired): give the batch up, KafkaJS rejoins
          // and the partitions come back through onAssign or from the committed offsets.
          if (membershipLost(error)) return false;
        }
      }
    }
  }

  async function eachBatch(
    kafkaConsumer: Consumer,
    handler: (batch: RecordBatch) => Promise<void>,
    payload: EachBatchPayload,
  ): Promise<void> {
    await gate;
    const { topic, partition, messages } = payload.batch;
    if (messages.length === 0 || payload.isStale()) return;
    // Handled records are committed once per fetched batch (and before giving it up), not per handler call:
    // the same at-least-once guarantee with one round trip instead of many.
    let handledUpTo: number | undefined;
    const commitHandled = async (): Promise<void> => {
      if (!autoCommit || handledUpTo === undefined) return;
      await kafkaConsumer.commitOffsets([{ topic, partition, offset: String(handledUpTo + 1) }]);
    };
    for (let start = 0; start < messages.length; start += maxBatchSize) {
      const records = messages
        .slice(start, start + maxBatchSize)
        .map((message) => toRecord(topic, partition, message));
      const batch: RecordBatch = { topic, partition, records };
      // Stopped, or the handler sought elsewhere (its position wins over the natural next one).
      if (!(await deliver(handler, batch, payload)) || payload.isStale()) return commitHandled();
      handledUpTo = records[records.length - 1]!.offset;
      payload.resolveOffset(String(handledUpTo));
      await payload.heartbeat();
    }
    await commitHandled();
  }

  // One KafkaJS consumer at a time: a fatal crash (KafkaJS gives up, e.g. after the broker was gone longer
  // than its retries) replaces it with a fresh one, so a stage never stalls for good after a broker outage.
  async function startKafkaConsumer(handler: (batch: RecordBatch) => Promise<void>): Promise<void> {
    const current = context.kafka.consumer({ ...context.config, groupId });
    consumer = current;
    let failed!: (error: unknown) => void;
    const firstJoin = new Promise<void>((resolve, reject) => {
      joined = resolve;
      failed = reject;
    });
    // Awaited below only while starting; a crash after that is handled by the CRASH listener.
    firstJoin.catch(settled);
    current.on(current.events.GROUP_JOIN, (event) => {
      if (consumer !== current) return;
      everJoined = true;
      onGroupJoin(current, event.payload.memberAssignment);
      joined();
    });
    // KafkaJS restarts a crashed consumer itself when the error is retriable; otherwise we start a new one.
    current.on(current.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      if (consumer === current) reassignAll = true;
      if (!restart) failed(error);
      reportError(groupFailed(groupId, `consumer of group ${groupId} crashed, restarting`, error));
      if (!restart && everJoined && consumer === current && running && stopping === undefined)
        void replaceAfterCrash(handler);
    });
    try {
      await current.connect();
      await current.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? true });
      // stop() may have come while connecting: it disconnected this consumer, which must not start running.
      if (stopping !== undefined) throw new LogError('CLOSED', `consumer of group ${groupId} was stopped`);
      await current.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => eachBatch(current, handler, payload),
      });
      await firstJoin;
    } catch (cause) {
      await current
        .disconnect()
        .catch((error: unknown) => reportDisconnect('a consumer that could not start', error));
      throw new LogError('CONNECTION_FAILED', `consumer of group ${groupId} could not start`, {
        groupId,
        retriable: true,
        cause,
      });
    }
  }

  let replacing = false;
  async function replaceAfterCrash(handler: (batch: RecordBatch) => Promise<void>): Promise<void> {
    if (replacing) return;
    replacing = true;
    try {
      await consumer?.disconnect().catch((error: unknown) => reportDisconnect('a crashed consumer', error));
      // The partitions are gone with the old member; the new one is assigned afresh (onAssign seeks again).
      await gate;
      if (assigned.length > 0)
        await Promise.resolve(options.onRevoke?.(assigned)).catch((cause: unknown) =>
          reportError(groupFailed(groupId, `onRevoke of group ${groupId} failed after a crash`, cause)),
        );
      assigned = [];
      // Each attempt waits out KafkaJS's own connection retries, so short pauses suffice: once the broker is
      // back, the stage resumes within one pause and a group join.
      for (let attempt = 0; running && stopping === undefined; attempt += 1) {
        await sleep(Math.min(250 * 2 ** attempt, MAX_REPLACE_PAUSE_MS));
        if (!running || stopping !== undefined) return;
        try {
          await startKafkaConsumer(handler);
          return;
        } catch (error) {
          reportError(
            error instanceof LogError ? error : new LogError('CONNECTION_FAILED', String(error), { groupId }),
          );
        }
      }
    } finally {
      replacing = false;
    }
  }

  let started = false;
  const logConsumer: LogConsumer = {
    async run(handler) {
      if (started) throw new LogError('INVALID_ARGUMENT', 'consumer is already running', { groupId });
      started = true;
      await context.ensureTopics(topics);
      running = true;
      try {
        await startKafkaConsumer(handler);
      } catch (error) {
        running = false;
        throw error;
      }
      await gate;
    },
    async commit(offsets) {
      if (!consumer) throw new LogError('COMMIT_FAILED', 'commit before run', { groupId });
      try {
        await commitTracked(consumer, offsets);
      } catch (cause) {
        throw new LogError('COMMIT_FAILED', `commit of group ${groupId} failed`, {
          groupId,
          retriable: true,
          cause,
        });
      }
    },
    seek(position) {
      const key = tpKey(position.topic, position.partition);
      if (consumer && running && assigned.some((tp) => tpKey(tp.topic, tp.partition) === key)) {
        try {
          consumer.seek({ ...position, offset: String(position.offset) });
          return;
        } catch {
          // Between a crash and its restart KafkaJS has no group to seek in: apply it at the next join.
        }
      }
      pendingSeeks.set(key, position);
    },
    assignments: () => assigned.map((tp) => ({ ...tp })),
    stop() {
      stopping ??= (async () => {
        running = false;
        clearTimeout(recommitTimer);
        joined();
        if (consumer)
          await consumer
            .disconnect()
            .catch((error: unknown) => reportDisconnect('a stopping consumer', error));
        await gate;
        if (assigned.length > 0) await options.onRevoke?.(assigned);
        assigned = [];
        context.onClosed(logConsumer);
      })();
      return stopping;
    },
  };
  return logConsumer;
}

/** The outcome of a promise that only orders others (its failure reached its own caller). */
function settled(): void {}
