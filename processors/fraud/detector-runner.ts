/**
 * Runs the detector over its one-partition input topic with exactly-once state: per batch, the verdicts and
 * signals (the outbox), the changed state rows and the next input offset commit in ONE SQLite transaction
 * (the runtime's state store); outputs are produced afterwards with their deterministic ids. After a crash the
 * runner reloads the state, re-sends unconfirmed outputs and resumes at the stored offset.
 */
import path from 'node:path';
import { cleanEventSchema } from '../../schema/index.ts';
import { createRepeatFilter, openStateStore, produceStoreOutbox, producerEpochOf } from '../runtime/index.ts';
import type { AppliedSequences, Log, LogConsumer, RecordBatch, StateStore } from '../runtime/index.ts';
import type { FraudConfigInput } from './config.ts';
import { createFraudDetector } from './detector.ts';
import type { FraudDetector } from './detector.ts';
import { FraudError } from './errors.ts';
import { FRAUD_STATE_TABLES } from './state.ts';
import type { FraudStateSnapshot } from './state.ts';
import { fraudTopics } from './topics.ts';

/** Options of {@link createDetectorRunner}. */
export interface DetectorRunnerOptions {
  log: Log;
  stateDir: string;
  config?: FraudConfigInput;
  groupId?: string;
  /** Prefix of every topic (default none). */
  topicPrefix?: string;
  maxBatchSize?: number;
  onError?: (error: unknown) => void;
}

/** Counters of a runner. */
export interface DetectorRunnerStats {
  adEvents: number;
  verdicts: number;
  signals: number;
  rejected: number;
}

/** A running detector stage. */
export interface DetectorRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether the input has been read to its end and every output produced. */
  caughtUp(): Promise<boolean>;
  stats(): DetectorRunnerStats;
}

const rowKey = (table: string) => `fraud:${table}`;

function loadDetector(store: StateStore, config: FraudConfigInput | undefined): FraudDetector {
  const snapshot: Record<string, unknown> = {
    maxEventTime: store.getMeta<number | null>('maxEventTime') ?? null,
    sincePrune: store.getMeta<number>('sincePrune') ?? 0,
  };
  for (const table of FRAUD_STATE_TABLES) {
    snapshot[table] = store.names(rowKey(table)).map((name) => [name, store.get(rowKey(table), name)]);
  }
  return createFraudDetector({
    ...(config === undefined ? {} : { config }),
    snapshot: snapshot as unknown as FraudStateSnapshot,
  });
}

/** Creates the detector stage (see topics.ts for why it reads one partition). */
export function createDetectorRunner(options: DetectorRunnerOptions): DetectorRunner {
  const { log } = options;
  const topics = fraudTopics(options.topicPrefix);
  const FRAUD_INPUT_TOPIC = topics.input;
  const store = openStateStore(path.join(options.stateDir, 'fraud-detector', 'state.sqlite'));
  let detector = loadDetector(store, options.config);
  let repeats = createRepeatFilter(store.getMeta<AppliedSequences>('appliedSequences'));
  const producer = `fraud-detector/${producerEpochOf(store)}`;
  let consumer: LogConsumer | undefined;
  const stats: DetectorRunnerStats = { adEvents: 0, verdicts: 0, signals: 0, rejected: 0 };
  let producing: Promise<void> = Promise.resolve();

  const storedOffset = () =>
    store.offsets().find((row) => row.topic === FRAUD_INPUT_TOPIC && row.partition === 0)?.offset ?? 0;

  const flush = (): Promise<void> => {
    const produce = async (): Promise<void> => void (await produceStoreOutbox(log, store, producer));
    producing = producing.then(produce, produce);
    return producing;
  };

  const applyBatch = (batch: RecordBatch): void => {
    let next = storedOffset();
    store.transaction(() => {
      for (const record of batch.records) {
        if (record.offset < next) continue;
        next = record.offset + 1;
        // Sent again by a producer that restarted before confirming it: applied once already.
        if (repeats.isRepeat(record)) continue;
        const parsed = cleanEventSchema.safeParse(JSON.parse(record.value));
        if (!parsed.success) {
          stats.rejected += 1;
          continue;
        }
        const out = detector.observe(parsed.data);
        if (parsed.data.type === 'impression' || parsed.data.type === 'click') stats.adEvents += 1;
        for (const verdict of out.verdicts) {
          const value = JSON.stringify(verdict);
          store.appendOutbox({
            topic: topics.ivt,
            key: verdict.subjectId ?? verdict.eventId,
            value,
            outputId: verdict.verdictId,
            partition: null,
          });
        }
        for (const signal of out.signals) {
          store.appendOutbox({
            topic: topics.fraudSignals,
            key: signal.sourceHash,
            value: JSON.stringify(signal),
            outputId: signal.signalId,
            partition: null,
          });
        }
        stats.verdicts += out.verdicts.length;
        stats.signals += out.signals.length;
      }
      for (const change of detector.drainChanges()) {
        if (change.table === 'meta') store.setMeta(change.key, change.value);
        else if (change.value === undefined) store.delete(rowKey(change.table), change.key);
        else store.put(rowKey(change.table), change.key, change.value);
      }
      store.setMeta('appliedSequences', repeats.state());
      store.setOffset(FRAUD_INPUT_TOPIC, 0, next);
    });
  };

  const handleBatch = async (batch: RecordBatch): Promise<void> => {
    try {
      applyBatch(batch);
    } catch (error) {
      // The transaction rolled back: the in-memory detector is ahead of the store, so rebuild it from there.
      detector = loadDetector(store, options.config);
      repeats = createRepeatFilter(store.getMeta<AppliedSequences>('appliedSequences'));
      throw new FraudError('STATE_CORRUPT', 'a detector batch failed and was rolled back', {
        topic: batch.topic,
        partition: batch.partition,
        offset: batch.records[0]?.offset ?? -1,
        retriable: true,
        cause: error,
      });
    }
    await flush();
  };

  return {
    async start() {
      await log.createTopic(FRAUD_INPUT_TOPIC, { partitions: 1 });
      // Verdicts are joined with cleanroom.events by subject downstream: create them with the default
      // partition count rather than leaving it to a broker's auto-creation.
      await log.createTopic(topics.ivt);
      await log.createTopic(topics.fraudSignals);
      if ((await log.partitionsFor(FRAUD_INPUT_TOPIC)) !== 1) {
        throw new FraudError('WRONG_PARTITION_COUNT', `${FRAUD_INPUT_TOPIC} must have exactly one partition`);
      }
      await flush();
      consumer = log.consumer({
        groupId: options.groupId ?? 'cleanroom.fraud-detector',
        topics: [FRAUD_INPUT_TOPIC],
        fromBeginning: true,
        autoCommit: false,
        ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
        onError: (error) => options.onError?.(error),
        onAssign: async (assigned) => {
          if (!assigned.some((tp) => tp.topic === FRAUD_INPUT_TOPIC && tp.partition === 0)) return [];
          // Taking over from another member: its state file (shared stateDir) is the truth now.
          detector = loadDetector(store, options.config);
          repeats = createRepeatFilter(store.getMeta<AppliedSequences>('appliedSequences'));
          await flush();
          return [{ topic: FRAUD_INPUT_TOPIC, partition: 0, offset: storedOffset() }];
        },
      });
      await consumer.run(async (batch) => {
        await handleBatch(batch);
        await consumer
          ?.commit([{ topic: FRAUD_INPUT_TOPIC, partition: 0, offset: storedOffset() }])
          .catch((error: unknown) => options.onError?.(error));
      });
    },
    async stop() {
      await consumer?.stop();
      await flush().catch((error: unknown) => options.onError?.(error));
      store.close();
    },
    async caughtUp() {
      const [end = 0] = await log.endOffsets(FRAUD_INPUT_TOPIC);
      return storedOffset() >= end && store.pendingOutbox().length === 0;
    },
    stats: () => ({ ...stats }),
  };
}
