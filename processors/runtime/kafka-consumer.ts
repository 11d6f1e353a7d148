/**
 * A consumer-group member of the Kafka log, over a KafkaJS consumer driven with `eachBatch`, manual offset
 * resolution and explicit commits, so it keeps the same semantics as the embedded consumer.
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { LogError } from './errors.ts';
import type {
  ConsumerOptions,
  LogConsumer,
  LogRecord,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
} from './log.ts';

/** What a Kafka consumer needs from its log. */
export interface KafkaConsumerContext {
  kafka: Kafka;
  config: Omit<ConsumerConfig, 'groupId'>;
  ensureTopics(topics: readonly string[]): Promise<void>;
  onClosed(consumer: LogConsumer): void;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
  // Rebalance callbacks run in order; a batch waits for them so onAssign's seeks come first.
  let gate: Promise<void> = Promise.resolve();
  // Resolves run() once the first assignment arrives (or stop() is called first).
  let joined: () => void = () => {};

  const reportError = (error: LogError): void => {
    try {
      options.onError?.(error);
    } catch {
      // An observer's failure must not stop consumption.
    }
  };

  function onGroupJoin(memberAssignment: Record<string, number[]>): void {
    const next: TopicPartition[] = [];
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      for (const partition of partitions) next.push({ topic, partition });
    }
    next.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    const previous = new Set(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const nextKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = assigned.filter((tp) => !nextKeys.has(tpKey(tp.topic, tp.partition)));
    const added = next.filter((tp) => !previous.has(tpKey(tp.topic, tp.partition)));
    assigned = next;
    gate = gate.then(async () => {
      try {
        if (revoked.length > 0) await options.onRevoke?.(revoked);
        const seeks = added.length > 0 ? ((await options.onAssign?.(added)) ?? []) : [];
        for (const seek of seeks) consumer?.seek({ ...seek, offset: String(seek.offset) });
        for (const [key, seek] of pendingSeeks) {
          if (!nextKeys.has(key)) continue;
          consumer?.seek({ ...seek, offset: String(seek.offset) });
          pendingSeeks.delete(key);
        }
      } catch (cause) {
        reportError(
          new LogError('GROUP_FAILED', `rebalance callback of group ${groupId} failed`, { groupId, cause }),
        );
      }
    });
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
        reportError(
          new LogError('HANDLER_FAILED', `handler failed on ${batch.topic}[${batch.partition}]`, {
            topic: batch.topic,
            partition: batch.partition,
            offset: batch.records[0]!.offset,
            groupId,
            retriable: true,
            cause,
          }),
        );
        await sleep(Math.min(100 * 2 ** attempt, 2_000));
        await payload.heartbeat().catch(() => {});
      }
    }
  }

  async function eachBatch(
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
      await consumer!.commitOffsets([{ topic, partition, offset: String(handledUpTo + 1) }]);
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
    firstJoin.catch(() => {});
    current.on(current.events.GROUP_JOIN, (event) => {
      onGroupJoin(event.payload.memberAssignment);
      joined();
    });
    // KafkaJS restarts a crashed consumer itself when the error is retriable; otherwise we start a new one.
    current.on(current.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      if (!restart) failed(error);
      reportError(
        new LogError('GROUP_FAILED', `consumer of group ${groupId} crashed, restarting`, {
          groupId,
          retriable: true,
          cause: error,
        }),
      );
      if (!restart && consumer === current && running && stopping === undefined)
        void replaceAfterCrash(handler);
    });
    try {
      await current.connect();
      await current.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? true });
      await current.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => eachBatch(handler, payload),
      });
      await firstJoin;
    } catch (cause) {
      await current.disconnect().catch(() => {});
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
      await consumer?.disconnect().catch(() => {});
      // The partitions are gone with the old member; the new one is assigned afresh (onAssign seeks again).
      await gate;
      if (assigned.length > 0) await Promise.resolve(options.onRevoke?.(assigned)).catch(() => {});
      assigned = [];
      for (let attempt = 0; running && stopping === undefined; attempt += 1) {
        await sleep(Math.min(500 * 2 ** attempt, 10_000));
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
        await consumer.commitOffsets(
          offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })),
        );
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
        consumer.seek({ ...position, offset: String(position.offset) });
      } else {
        pendingSeeks.set(key, position);
      }
    },
    assignments: () => assigned.map((tp) => ({ ...tp })),
    stop() {
      stopping ??= (async () => {
        running = false;
        joined();
        if (consumer) await consumer.disconnect().catch(() => {});
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
