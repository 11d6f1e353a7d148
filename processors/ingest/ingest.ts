/**
 * The ingest processor: the front door. It consumes every raw topic, and for each batch runs the per-record
 * transform and writes identity, consent, the seen-set, the next input offsets and the outputs (an outbox) in
 * ONE SQLite transaction; then it produces the outbox. A restart resumes from the stored offsets (the consumer
 * runs with `autoCommit: false` and `onAssign` seeks there) and re-produces whatever the outbox still holds;
 * output ids are deterministic, so a repeat downstream is recognised as a duplicate.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Registry } from 'prom-client';
import { createIdentityStore } from '../../policies/identity/index.ts';
import { createConsentLedger } from '../../policies/consent/index.ts';
import type { HostSecrets, IdentityStore } from '../../policies/identity/index.ts';
import type { ConsentLedger } from '../../policies/consent/index.ts';
import type { Consent } from '../../schema/events.ts';
import { RAW_TOPICS } from '../../schema/events.ts';
import type { CleanEvent, ConsentChange, DeadLetter } from '../../schema/topics.ts';
import { createOrderedMerge, takeMerged } from '../runtime/index.ts';
import type {
  Log,
  LogConsumer,
  LogRecord,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
} from '../runtime/index.ts';
import { deadLetterFor } from './dead-letter.ts';
import { DEFAULT_DATACENTER_CIDRS } from './datacenter-cidrs.ts';
import { IngestError } from './errors.ts';
import { openIngestDatabase } from './ingest-database.ts';
import { openIngestState } from './ingest-state.ts';
import type { IngestCounters } from './ingest-state.ts';
import { INGEST_EVENTS, createIngestMetrics } from './instrumentation.ts';
import type { IngestEventName } from './instrumentation.ts';
import { createIpClassifier } from './ip.ts';
import type { IngestOutput, TransformResult } from './outputs.ts';
import { transformRecord } from './transform.ts';
import { countOutcomes } from './handled-record.ts';
import type { HandledRecord } from './handled-record.ts';
import { createIngestTopics, produceOutbox } from './outbox.ts';

import { FRAUD_INPUT_TOPIC, fraudInputOutput, isFraudInput } from '../fraud/index.ts';

/** A pino-compatible logger (only objects without PII are ever passed). */
export interface IngestLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
  debug(object: object, message?: string): void;
}

/** Options of {@link createIngest}. */
export interface IngestOptions {
  log: Log;
  /** Folder of ingest's SQLite file (`<dataDir>/ingest.sqlite`). */
  dataDir: string;
  secrets: HostSecrets;
  /** Data-centre CIDR blocks (default {@link DEFAULT_DATACENTER_CIDRS}). */
  datacenterCidrs?: readonly string[];
  /**
   * Prefix of every topic ingest reads and writes (default none): `t1.` reads `t1.retail.loyalty` and writes
   * `t1.cleanroom.events`. For tests on a shared broker and for several pipelines on one cluster.
   */
  topicPrefix?: string;
  /**
   * Also write the events the fraud detector needs to its one-partition topic (`cleanroom.fraud-input`), in
   * ingest's own order (default false: the fraud processor's router does it from `cleanroom.events`).
   */
  routeFraudInput?: boolean;
  /** Consumer group (default `cleanroom-ingest`). */
  groupId?: string;
  /** Consent of shoppers with no record (default: measurement only). */
  consentDefault?: Consent;
  /** Largest batch handed to one transaction (default 500). */
  maxBatchSize?: number;
  /** How long a seen event id is remembered, in days (default 7). */
  seenRetentionDays?: number;
  logger?: IngestLogger;
  /** Prometheus registry for `cleanroom_ingest_records_total`. */
  metricsRegistry?: Registry;
}

/** Counters of an ingest. */
export type IngestStats = IngestCounters;

/** A running ingest. */
export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): IngestStats;
  on(event: IngestEventName, listener: (payload: Record<string, unknown>) => void): void;
  off(event: IngestEventName, listener: (payload: Record<string, unknown>) => void): void;
  /** Identity links (read it for audience overlap; ingest is the writer). */
  readonly identity: IdentityStore;
  /** The consent ledger (read it for the privacy officer console; ingest is the writer). */
  readonly consent: ConsentLedger;
  /** Path of ingest's SQLite file. */
  readonly databasePath: string;
}

const silentLogger: IngestLogger = { info() {}, warn() {}, error() {}, debug() {} };
const DAY_MS = 86_400_000;

/**
 * Create the ingest processor.
 *
 * @example
 * const ingest = createIngest({ log, dataDir, secrets: loadOrCreateSecrets(dataDir) });
 * await ingest.start();
 */
export function createIngest(options: IngestOptions): Ingest {
  const logger = options.logger ?? silentLogger;
  const groupId = options.groupId ?? 'cleanroom-ingest';
  const prefix = options.topicPrefix ?? '';
  const rawTopics = Object.values(RAW_TOPICS).map((topic) => `${prefix}${topic}`);
  const databasePath = path.join(options.dataDir, 'ingest.sqlite');
  const db = openIngestDatabase(databasePath);
  const identity = createIdentityStore(db, { hostSecret: options.secrets.hostSecret });
  const consent = createConsentLedger(db, options.consentDefault ? { default: options.consentDefault } : {});
  const retentionMs = (options.seenRetentionDays ?? 7) * DAY_MS;
  const state = openIngestState(db, { seenRetentionMs: retentionMs });
  const ipClassifier = createIpClassifier(options.datacenterCidrs ?? DEFAULT_DATACENTER_CIDRS);
  const context = { identity, consent, seen: state.seen, secrets: options.secrets, ipClassifier };
  const metrics = createIngestMetrics(options.metricsRegistry);
  const events = new EventEmitter();
  const maxBatchSize = options.maxBatchSize ?? 500;
  const merge = createOrderedMerge({ topicRank: (topic) => rawTopics.indexOf(topic) });
  // End offsets seen per partition (`takeMerged`): one is only assumed drained after a fresh look.
  const knownEnds = new Map<string, number>();
  let consumer: LogConsumer | null = null;
  let queue: Promise<void> = Promise.resolve();
  let chunks = 0;
  let commitBehind = false;
  let stopped = false;
  let lastCounters: IngestCounters | null = null;

  const emit = (event: IngestEventName, payload: Record<string, unknown>): void => {
    events.emit(event, payload);
  };

  // A record that breaks the transform (a bug, not bad input: bad input is dead-lettered by the transform)
  // fails its batch's transaction; the batch is then run again with each record in its own savepoint, so the
  // breaking record leaves no partial state and is dead-lettered, and the pipeline keeps going. Database errors
  // are not the record's fault: they fail the batch, which is read again. Savepoints cost, hence the fast path.
  const transformInSavepoint = db.transaction((record: LogRecord) => transformRecord(record, context));
  const transformGuarded = (record: LogRecord, guarded: boolean): TransformResult => {
    if (!guarded) return transformRecord(record, context);
    try {
      return transformInSavepoint(record);
    } catch (error) {
      if (error instanceof Database.SqliteError) throw error;
      const where = { topic: record.topic, partition: record.partition, offset: record.offset };
      logger.error(
        { ...where, error: error instanceof Error ? error.name : typeof error },
        'transform failed',
      );
      return {
        outcome: 'dead-letter',
        outputs: [deadLetterFor(record, '(value)', 'could not be processed')],
      };
    }
  };

  const withFraudInput = (result: TransformResult): TransformResult => {
    if (options.routeFraudInput !== true || result.outcome !== 'event') return result;
    const event = result.outputs[0]!.value as CleanEvent;
    if (!isFraudInput(event)) return result;
    const route: IngestOutput = { topic: 'cleanroom.fraud-input', value: event, ...fraudInputOutput(event) };
    return { ...result, outputs: [...result.outputs, route] };
  };

  // Records of many partitions, in merge order: skip what the state already holds (a chunk read again after
  // a failure that came after its commit), then store each touched partition's next offset with the state.
  const commitChunk = db.transaction((records: readonly LogRecord[], guarded: boolean): HandledRecord[] => {
    const handled: HandledRecord[] = [];
    const next = new Map<string, TopicPartitionOffset>();
    for (const record of records) {
      const key = `${record.topic}\u0000${record.partition}`;
      const applied =
        next.get(key)?.offset ??
        state.storedOffsets([{ topic: record.topic, partition: record.partition }])[0]?.offset ??
        0;
      if (record.offset < applied) continue;
      const unprefixed = prefix === '' ? record : { ...record, topic: record.topic.slice(prefix.length) };
      handled.push({ record, result: withFraudInput(transformGuarded(unprefixed, guarded)) });
      next.set(key, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
    }
    for (const position of next.values()) state.saveOffset(position);
    const last = records[records.length - 1];
    // Garbage collection only: whether an id is a duplicate depends on the record's own timestamp.
    if (last !== undefined && ++chunks % 100 === 0) state.pruneSeen(last.timestamp - retentionMs);
    state.enqueue(handled.flatMap(({ result }) => result.outputs));
    state.addCounters(countOutcomes(handled));
    return handled;
  });

  // Told only once the batch committed, so a batch run again after a failure reports nothing twice.
  const report = (handled: readonly HandledRecord[]): void => {
    for (const { record, result } of handled) {
      metrics.countRecord(result.outcome);
      const where = { topic: record.topic, partition: record.partition, offset: record.offset };
      if (result.outcome === 'duplicate') emit(INGEST_EVENTS.DUPLICATE, where);
      if (result.outcome === 'dead-letter') {
        const { field, reason } = result.outputs[0]!.value as DeadLetter;
        logger.warn({ ...where, field, reason }, 'raw record dead-lettered');
        emit(INGEST_EVENTS.DEAD_LETTER, { ...where, field, reason });
      }
      if (result.outcome === 'consent') {
        const change = result.outputs[0]!.value as ConsentChange;
        emit(INGEST_EVENTS.CONSENT_CHANGED, { subjectId: change.subjectId, erased: change.erased });
      }
    }
  };

  const flushOutbox = async (): Promise<number> => {
    const produced = await produceOutbox(options.log, state, prefix);
    if (produced > 0) emit(INGEST_EVENTS.OUTPUTS_PRODUCED, { outputs: produced });
    return produced;
  };

  const endKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

  const applyChunk = async (records: LogRecord[]): Promise<void> => {
    let handled: HandledRecord[];
    try {
      handled = commitChunk(records, false);
    } catch (error) {
      if (error instanceof Database.SqliteError) throw error;
      handled = commitChunk(records, true);
    }
    report(handled);
    const next = new Map<string, { topic: string; partition: number; nextOffset: number; records: number }>();
    for (const record of records) {
      const key = endKey(record.topic, record.partition);
      const entry = next.get(key) ?? {
        topic: record.topic,
        partition: record.partition,
        nextOffset: 0,
        records: 0,
      };
      entry.nextOffset = record.offset + 1;
      entry.records += 1;
      next.set(key, entry);
    }
    const outputs = handled.reduce((sum, { result }) => sum + result.outputs.length, 0);
    for (const entry of next.values()) emit(INGEST_EVENTS.BATCH_COMMITTED, { ...entry, outputs });
    // Informational (lag dashboards, `caughtUp`): the offsets that count are the ones stored with the state.
    // Only after the outputs are out (a group at its end must mean the outputs exist); a failed produce leaves
    // the group behind until the next drain has produced them (`commitBehind`).
    commitBehind = true;
    await flushOutbox();
    commitBehind = false;
    const offsets = [...next.values()].map(({ topic, partition, nextOffset }) => ({
      topic,
      partition,
      offset: nextOffset,
    }));
    consumer?.commit(offsets).catch(() => undefined);
  };

  // Apply what the merge can give, chunk by chunk, until a partition with unread input has nothing buffered.
  const drain = async (): Promise<void> => {
    // Outputs a failed produce left behind go first (the batch delivered again may hold nothing new).
    await flushOutbox();
    if (commitBehind && consumer !== null) {
      commitBehind = false;
      const stored = state.storedOffsets(consumer.assignments()).filter((entry) => entry.offset > 0);
      consumer.commit(stored).catch(() => undefined);
    }
    for (;;) {
      // Stopping: what is still buffered is read again by the next start (its offsets were not stored).
      if (stopped) return;
      const records = await takeMerged(options.log, merge, knownEnds, maxBatchSize);
      if (records.length === 0) return;
      try {
        await applyChunk(records);
      } catch (error) {
        // The chunk left the merge but maybe not the state: start every partition again from the state.
        resetMerge();
        const where = {
          topic: records[0]!.topic,
          partition: records[0]!.partition,
          offset: records[0]!.offset,
        };
        logger.error(
          { ...where, error: error instanceof Error ? error.message : String(error) },
          'ingest batch failed',
        );
        emit(INGEST_EVENTS.BATCH_FAILED, { ...where, error });
        throw new IngestError('STATE_FAILED', 'an ingest batch failed; it will be read again', {
          ...where,
          retriable: true,
          cause: error,
        });
      }
    }
  };

  const startAt = (assigned: readonly TopicPartition[]): TopicPartitionOffset[] => {
    const stored = state.storedOffsets([...assigned]);
    return assigned.map(
      ({ topic, partition }) =>
        stored.find((entry) => entry.topic === topic && entry.partition === partition) ?? {
          topic,
          partition,
          offset: 0,
        },
    );
  };

  const resetMerge = (): void => {
    const assigned = consumer?.assignments() ?? [];
    for (const position of startAt(assigned)) {
      merge.assign(position, position.offset);
      consumer?.seek(position);
    }
  };

  const handleBatch = async (batch: RecordBatch): Promise<void> => {
    if (batch.records.length === 0) return;
    const pushed = merge.push(batch);
    if (!pushed.accepted) {
      // Held back (the partition is far ahead of the merge): deliver it again later.
      consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: pushed.seekTo });
      return;
    }
    await drain();
  };

  return {
    identity,
    consent,
    databasePath,
    async start() {
      if (stopped) throw new IngestError('STOPPED', 'this ingest was stopped; create a new one');
      await createIngestTopics(options.log, prefix);
      if (options.routeFraudInput === true)
        await options.log.createTopic(`${prefix}${FRAUD_INPUT_TOPIC}`, { partitions: 1 });
      await flushOutbox();
      consumer = options.log.consumer({
        groupId,
        topics: rawTopics,
        fromBeginning: true,
        autoCommit: false,
        maxBatchSize,
        // The state is the truth: a partition it has never seen starts at 0 (rebuilding identity and consent),
        // whatever the group committed; output ids are deterministic, so a rebuild repeats nothing downstream.
        onAssign: (assigned) => {
          const positions = startAt(assigned);
          for (const position of positions) merge.assign(position, position.offset);
          return positions;
        },
        onRevoke: (revoked) => merge.revoke(revoked),
        onError: (error) =>
          logger.warn({ code: error.code, error: error.message }, 'ingest consumer recovered'),
      });
      // Batches of different partitions may arrive together; one transaction at a time.
      await consumer.run((batch) => {
        const next = queue.then(() => handleBatch(batch));
        queue = next.catch(() => {});
        return next;
      });
      // A kill between the state's commit and the group's leaves the group's offsets behind the state for
      // good (nothing is left to read there); bring them level so lag and `caughtUp` see the truth.
      const resumed = state.storedOffsets(consumer.assignments()).filter((entry) => entry.offset > 0);
      if (resumed.length > 0) await consumer.commit(resumed).catch(() => undefined);
      logger.info({ groupId, topics: rawTopics.length }, 'ingest started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer?.stop();
      await queue;
      lastCounters = state.counters();
      db.close();
      logger.info({ ...lastCounters }, 'ingest stopped');
    },
    stats: () => lastCounters ?? state.counters(),
    on: (event, listener) => void events.on(event, listener),
    off: (event, listener) => void events.off(event, listener),
  };
}
