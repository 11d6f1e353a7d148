/**
 * The Kafka log: the same semantics as the embedded log over Apache Kafka through KafkaJS. Tuned for low
 * latency (short fetch waits, minBytes 1), an idempotent producer with acks from all in-sync replicas, topics
 * created on demand, and retries long enough to ride out a broker restart of about twenty seconds.
 *
 * A broker outage longer than that is survived too: a consumer KafkaJS gives up on is replaced
 * (kafka-consumer.ts), a produce that fails or takes longer than `produceTimeoutMs` retires its producer (the
 * next produce starts one with a new producer id, see {@link createKafkaLog}), and `ping` answers within
 * `pingTimeoutMs` whether the broker is there or not.
 */
import kafkajs from 'kafkajs';
import type { Admin, Kafka, Producer, RecordMetadata, RetryOptions } from 'kafkajs';
import { LogError } from './errors.ts';
import { createKafkaConsumer } from './kafka-consumer.ts';
import { createKafkaLogCreator, createLogLineWriter, kafkaLogLevel } from './kafka-logger.ts';
import type { KafkaLogLevel, KafkaLogLine } from './kafka-logger.ts';
import type { Log, ProduceResult, TopicOptions } from './log.ts';
import { createLogLifecycle } from './log-lifecycle.ts';
import { createPartitionChooser } from './murmur2.ts';

const { Kafka: KafkaClient, Partitioners } = kafkajs;

/** Options of {@link createKafkaLog}. */
export interface KafkaLogOptions {
  /** Bootstrap brokers: `host:port` strings, or one comma-separated string (as `KAFKA_BROKERS`). */
  brokers: string | string[];
  /** Client id sent to the broker (default `cleanroom`). */
  clientId?: string;
  /** Partitions of a topic created on demand without a count (default 4). */
  defaultPartitions?: number;
  /** Replication factor of created topics (default: the broker's default). */
  replicationFactor?: number;
  /** Longest a fetch waits for data (default 50 ms). */
  maxWaitTimeInMs?: number;
  /** Group session timeout (default 10 s) and heartbeat interval (default 1 s). */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Retries of KafkaJS requests; the default spans about half a minute. */
  retry?: RetryOptions;
  /**
   * Longest a produce call may take, KafkaJS's own retries included (default 30 s). A call that takes longer
   * fails with a retriable `PRODUCE_FAILED`, as one whose retries ran out does.
   */
  produceTimeoutMs?: number;
  /** Longest `ping` waits for the broker before answering false (default 3 s). */
  pingTimeoutMs?: number;
  /** KafkaJS log level (default `error`). */
  logLevel?: KafkaLogLevel;
  /** Where KafkaJS log lines go (default: one JSON line on stderr). */
  onLog?: (line: KafkaLogLine) => void;
}

/** Retries spanning ~35 s (300 ms doubling up to 5 s, 10 tries): a broker restart of ~20 s is survived. */
const DEFAULT_RETRY: RetryOptions = {
  initialRetryTime: 300,
  maxRetryTime: 5_000,
  retries: 10,
  factor: 0.2,
  multiplier: 2,
};

/** A producer and the produce calls using it, so a retired one is disconnected once they are done. */
interface ProducerSlot {
  client: Promise<Producer>;
  inFlight: number;
  retired: boolean;
}

/** Settles like `promise`, or rejects with `onTimeout()` after `ms` (the promise keeps running, unobserved). */
function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  // The race below rejects on the deadline; a later rejection of `promise` itself has no one left to tell.
  promise.catch(afterDeadline);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function brokerList(brokers: string | string[]): string[] {
  const list = (Array.isArray(brokers) ? brokers : brokers.split(','))
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  if (list.length === 0) throw new LogError('INVALID_ARGUMENT', 'at least one Kafka broker is needed');
  return list;
}

/**
 * Connects a log to Kafka. Connections open lazily on first use.
 *
 * @example
 * const log = createKafkaLog({ brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' });
 */
export function createKafkaLog(options: KafkaLogOptions): Log {
  const defaultPartitions = options.defaultPartitions ?? 4;
  const retry = options.retry ?? DEFAULT_RETRY;
  const produceTimeoutMs = options.produceTimeoutMs ?? 30_000;
  const pingTimeoutMs = options.pingTimeoutMs ?? 3_000;
  const logLevel = options.logLevel ?? 'error';
  const writeLogLine = createLogLineWriter(logLevel, options.onLog);
  const warnRecovered = (message: string, error: unknown): void =>
    writeLogLine({
      level: 'warn',
      namespace: 'Log',
      message,
      fields: { error: error instanceof Error ? error.message : String(error) },
    });
  const kafka: Kafka = new KafkaClient({
    clientId: options.clientId ?? 'cleanroom',
    brokers: brokerList(options.brokers),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry,
    logLevel: kafkaLogLevel(logLevel),
    logCreator: createKafkaLogCreator(logLevel, options.onLog),
  });
  const choosePartition = createPartitionChooser();
  const partitionCounts = new Map<string, Promise<number>>();
  const lifecycle = createLogLifecycle('the Kafka log');
  const { assertOpen } = lifecycle;
  let admin: Promise<Admin> | undefined;
  let producer: ProducerSlot | undefined;
  const producers = new Set<ProducerSlot>();

  function connected<T extends { connect(): Promise<void> }>(client: T): Promise<T> {
    return client.connect().then(
      () => client,
      (cause: unknown) => {
        throw new LogError('CONNECTION_FAILED', 'could not connect to Kafka', { retriable: true, cause });
      },
    );
  }

  function getAdmin(): Promise<Admin> {
    assertOpen();
    admin ??= connected(kafka.admin({ retry })).catch((error: unknown) => {
      admin = undefined;
      throw error;
    });
    return admin;
  }

  function currentProducer(): ProducerSlot {
    assertOpen();
    if (producer) return producer;
    const slot: ProducerSlot = {
      client: connected(
        kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          createPartitioner: Partitioners.DefaultPartitioner,
          retry,
        }),
      ),
      inFlight: 0,
      retired: false,
    };
    producer = slot;
    producers.add(slot);
    return slot;
  }

  function disconnectIfIdle(slot: ProducerSlot): void {
    if (!slot.retired || slot.inFlight > 0 || !producers.delete(slot)) return;
    slot.client
      .then((client) => client.disconnect())
      .catch((error: unknown) => warnRecovered('a retired producer did not disconnect', error));
  }

  /**
   * After a failed send nobody knows which of its records the broker wrote. KafkaJS gives the next batch to a
   * partition the sequence numbers of the failed one, and if the failed one was in fact written the broker
   * refuses every later batch of that producer with OUT_OF_ORDER_SEQUENCE_NUMBER, which KafkaJS does not
   * retry: the partition could never be written again. So the producer is retired and the next produce starts
   * one with a new producer id (records of the failed call may then be written twice, which at-least-once
   * delivery and the deterministic output ids already cover).
   */
  function retire(slot: ProducerSlot): void {
    if (producer === slot) producer = undefined;
    slot.retired = true;
    disconnectIfIdle(slot);
  }

  async function createTopicOnce(topic: string, topicOptions: TopicOptions): Promise<number> {
    const client = await getAdmin();
    await client.createTopics({
      waitForLeaders: true,
      timeout: 30_000,
      topics: [
        {
          topic,
          numPartitions: topicOptions.partitions ?? defaultPartitions,
          ...(options.replicationFactor === undefined
            ? {}
            : { replicationFactor: options.replicationFactor }),
          configEntries: topicOptions.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        },
      ],
    });
    const metadata = await client.fetchTopicMetadata({ topics: [topic] });
    const count = metadata.topics[0]?.partitions.length ?? 0;
    if (count === 0)
      throw Object.assign(new Error(`no partition metadata for ${topic} yet`), { retriable: true });
    return count;
  }

  /** Creates (or finds) a topic; a busy broker's leader elections are waited out with a few retries. */
  async function createTopicNow(topic: string, topicOptions: TopicOptions): Promise<number> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await createTopicOnce(topic, topicOptions);
      } catch (cause) {
        const retriable = (cause as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= 5 || lifecycle.closed) {
          throw new LogError('TOPIC_CREATE_FAILED', `could not create topic ${topic}`, {
            topic,
            retriable,
            cause,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  function partitionsOf(topic: string, topicOptions: TopicOptions = {}): Promise<number> {
    let count = partitionCounts.get(topic);
    if (!count) {
      if (topic.length === 0)
        return Promise.reject(new LogError('INVALID_ARGUMENT', 'a topic name must not be empty'));
      count = createTopicNow(topic, topicOptions);
      count.catch(() => partitionCounts.delete(topic));
      partitionCounts.set(topic, count);
    }
    return count;
  }

  return {
    kind: 'kafka',
    async createTopic(topic, topicOptions) {
      await partitionsOf(topic, topicOptions);
    },
    partitionsFor: (topic) => partitionsOf(topic),
    async produce(topic, messages) {
      const partitions = await partitionsOf(topic);
      if (messages.length === 0) return [];
      const now = String(Date.now());
      const chosen = messages.map((message) =>
        choosePartition(topic, message.key, partitions, message.partition),
      );
      const slot = currentProducer();
      slot.inFlight += 1;
      let metadata: RecordMetadata[];
      try {
        const send = slot.client.then((client) =>
          client.send({
            topic,
            acks: -1,
            messages: messages.map((message, index) => ({
              key: message.key,
              value: message.value,
              partition: chosen[index]!,
              timestamp: message.timestamp === undefined ? now : String(message.timestamp),
              ...(message.headers ? { headers: message.headers } : {}),
            })),
          }),
        );
        metadata = await withDeadline(
          send,
          produceTimeoutMs,
          () => new Error(`no answer from Kafka within ${produceTimeoutMs} ms`),
        );
      } catch (cause) {
        retire(slot);
        if (cause instanceof LogError) throw cause;
        throw new LogError('PRODUCE_FAILED', `produce to ${topic} failed`, { topic, retriable: true, cause });
      } finally {
        slot.inFlight -= 1;
        disconnectIfIdle(slot);
      }
      const baseOffsets = new Map<number, number>();
      for (const entry of metadata) baseOffsets.set(entry.partition, Number(entry.baseOffset));
      const written = new Map<number, number>();
      return chosen.map((partition): ProduceResult => {
        const index = written.get(partition) ?? 0;
        written.set(partition, index + 1);
        return { topic, partition, offset: (baseOffsets.get(partition) ?? 0) + index };
      });
    },
    consumer(consumerOptions) {
      return lifecycle.openConsumer(consumerOptions, (onClosed) =>
        createKafkaConsumer(
          {
            kafka,
            config: {
              sessionTimeout: options.sessionTimeoutMs ?? 10_000,
              heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
              rebalanceTimeout: 30_000,
              maxWaitTimeInMs: options.maxWaitTimeInMs ?? 50,
              minBytes: 1,
              allowAutoTopicCreation: false,
              retry,
            },
            ensureTopics: async (topics) => {
              await Promise.all(topics.map((topic) => partitionsOf(topic)));
            },
            onClosed,
            // What a consumer recovers from shows beside KafkaJS's own lines at level warn.
            onRecovered: (error) =>
              writeLogLine({
                level: 'warn',
                namespace: 'LogConsumer',
                message: error.message,
                fields: {
                  code: error.code,
                  groupId: error.groupId,
                  error: error.cause instanceof Error ? error.cause.message : String(error.cause),
                },
              }),
          },
          consumerOptions,
        ),
      );
    },
    async endOffsets(topic) {
      await partitionsOf(topic);
      const offsets = await (await getAdmin()).fetchTopicOffsets(topic);
      return offsets.sort((a, b) => a.partition - b.partition).map((entry) => Number(entry.high));
    },
    async committedOffsets(groupId, topic) {
      const count = await partitionsOf(topic);
      const result = new Array<number>(count).fill(-1);
      const fetched = await (await getAdmin()).fetchOffsets({ groupId, topics: [topic] });
      for (const entry of fetched[0]?.partitions ?? []) result[entry.partition] = Number(entry.offset);
      return result;
    },
    ping() {
      return lifecycle.ping(async () => {
        const cluster = await withDeadline(
          getAdmin().then((client) => client.describeCluster()),
          pingTimeoutMs,
          () => new Error('ping timed out'),
        );
        return cluster.brokers.length > 0;
      });
    },
    close() {
      return lifecycle.close(async () => {
        const clients = await Promise.allSettled(
          [...[...producers].map((slot) => slot.client), admin].filter((client) => client !== undefined),
        );
        await Promise.all(
          clients.map((client) =>
            client.status === 'fulfilled'
              ? client.value
                  .disconnect()
                  .catch((error: unknown) => warnRecovered('a client did not disconnect on close', error))
              : undefined,
          ),
        );
      });
    },
  };
}

/** A promise raced against a deadline that it lost: its own outcome is no longer anybody's. */
function afterDeadline(): void {}
