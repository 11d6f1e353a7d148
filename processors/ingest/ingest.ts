/**
 * Ingest: the front door, run by the processor host like every other stage. One task over every raw partition
 * (the host's merged layout: log-time order, whatever the delivery timing), whose state file
 * `<dataDir>/ingest.sqlite` (owner-only: it holds identity links) keeps identity, consent, the seen-set, the
 * next input offsets and the outbox; the host commits them in one transaction per batch and produces the outbox
 * afterwards. A restart resumes from the stored offsets and re-sends only what was not confirmed, under the
 * same producer id, so every stage downstream skips a repeat (processors/runtime/producer-sequence.ts).
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Registry } from 'prom-client';
import { createIdentityStore } from '../../policies/identity/index.ts';
import { createConsentLedger } from '../../policies/consent/index.ts';
import type { HostSecrets, IdentityStore } from '../../policies/identity/index.ts';
import type { ConsentLedger } from '../../policies/consent/index.ts';
import type { Consent } from '../../schema/events.ts';
import { RAW_TOPICS } from '../../schema/events.ts';
import { HOST_EVENTS, createProcessorHost, openStateStore } from '../runtime/index.ts';
import type { HostEventName, Log } from '../runtime/index.ts';
import { DEFAULT_DATACENTER_CIDRS } from './datacenter-cidrs.ts';
import { IngestError } from './errors.ts';
import { createIngestProcessor } from './ingest-processor.ts';
import type { IngestLogger } from './ingest-processor.ts';
import { createIngestTopics } from './ingest-topics.ts';
import { INGEST_EVENTS } from './instrumentation.ts';
import type { IngestEventName } from './instrumentation.ts';
import { createIpClassifier } from './ip.ts';
import { createSeenSet } from './seen-set.ts';
import { INGEST_PROCESSOR_NAME } from './transform.ts';

export type { IngestLogger } from './ingest-processor.ts';

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

/** Counters of an ingest, kept with its state. */
export interface IngestStats {
  /** Raw records consumed (every outcome). */
  processed: number;
  /** Clean events written to `cleanroom.events`. */
  events: number;
  /** Records refused to `cleanroom.dead-letter`. */
  deadLettered: number;
  /** Repeated event ids dropped. */
  duplicates: number;
  /** Consent changes written to `cleanroom.consent`. */
  consentChanges: number;
  /** Campaign records written to `cleanroom.campaigns`. */
  campaigns: number;
  /** Stock counts written to `cleanroom.inventory`. */
  inventory: number;
  /** In-store records (zone entries, sensor counts, shelf interactions) written to `cleanroom.instore`. */
  instore: number;
}

/** A running ingest. */
export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): IngestStats;
  /** Whether every raw partition has been read to its end and every output produced. */
  caughtUp(): Promise<boolean>;
  on(event: IngestEventName, listener: (payload: Record<string, unknown>) => void): void;
  off(event: IngestEventName, listener: (payload: Record<string, unknown>) => void): void;
  /** Identity links (read it for audience overlap; ingest is the writer). */
  readonly identity: IdentityStore;
  /** The consent ledger (read it for the privacy officer console; ingest is the writer). */
  readonly consent: ConsentLedger;
  /** Path of ingest's SQLite file. */
  readonly databasePath: string;
  /** The consumer group ingest reads the raw topics in. */
  readonly groupId: string;
  /** The raw topics it reads (with the topic prefix). */
  readonly rawTopics: readonly string[];
}

const silentLogger: IngestLogger = { info() {}, warn() {}, error() {}, debug() {} };
const DAY_MS = 86_400_000;

/** What the host tells, under ingest's own event names. */
const INGEST_EVENT_OF: Record<HostEventName, IngestEventName> = {
  [HOST_EVENTS.BATCH_COMMITTED]: INGEST_EVENTS.BATCH_COMMITTED,
  [HOST_EVENTS.OUTPUTS_PRODUCED]: INGEST_EVENTS.OUTPUTS_PRODUCED,
  [HOST_EVENTS.BATCH_FAILED]: INGEST_EVENTS.BATCH_FAILED,
};

/**
 * Create ingest.
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
  const store = openStateStore(databasePath, { private: true, kind: 'ingest' });
  const identity = createIdentityStore(store.database, { hostSecret: options.secrets.hostSecret });
  const consent = createConsentLedger(
    store.database,
    options.consentDefault ? { default: options.consentDefault } : {},
  );
  const seenRetentionMs = (options.seenRetentionDays ?? 7) * DAY_MS;
  const events = new EventEmitter();
  const emit = (event: IngestEventName, payload: Record<string, unknown>): void =>
    void events.emit(event, payload);
  const processor = createIngestProcessor({
    context: {
      identity,
      consent,
      seen: createSeenSet(store.database, seenRetentionMs),
      secrets: options.secrets,
      ipClassifier: createIpClassifier(options.datacenterCidrs ?? DEFAULT_DATACENTER_CIDRS),
    },
    topicPrefix: prefix,
    routeFraudInput: options.routeFraudInput === true,
    seenRetentionMs,
    logger,
    ...(options.metricsRegistry === undefined ? {} : { metricsRegistry: options.metricsRegistry }),
    emit,
  });
  const host = createProcessorHost({
    log: options.log,
    name: INGEST_PROCESSOR_NAME,
    groupId,
    layout: 'merged',
    inputTopics: rawTopics,
    stateDir: options.dataDir,
    openStore: () => store,
    processor,
    eventTime: { maxOutOfOrdernessMs: 0 },
    sideTopics: {
      deadLetter: `${prefix}cleanroom.dead-letter`,
      lateEvents: `${prefix}cleanroom.late-events`,
    },
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    onEvent: (event, payload) => {
      if (event === HOST_EVENTS.BATCH_FAILED) {
        const { error, ...where } = payload;
        logger.error({ ...where, error: errorName(error) }, 'ingest batch failed; it will be read again');
      }
      emit(INGEST_EVENT_OF[event], payload);
    },
    // Codes and names only: a message may quote what a record held.
    onError: (error) => logger.warn({ error: errorName(error), code: errorCode(error) }, 'ingest recovered'),
  });
  let stopped = false;

  const stats = (): IngestStats => {
    const { records, deadLettered, counts } = host.stats();
    return {
      processed: records,
      events: counts['event'] ?? 0,
      deadLettered,
      duplicates: counts['duplicate'] ?? 0,
      consentChanges: counts['consent'] ?? 0,
      campaigns: counts['campaign'] ?? 0,
      inventory: counts['inventory'] ?? 0,
      instore: counts['instore'] ?? 0,
    };
  };

  return {
    identity,
    consent,
    databasePath,
    groupId,
    rawTopics,
    async start() {
      if (stopped) throw new IngestError('STOPPED', 'this ingest was stopped; create a new one');
      await createIngestTopics(options.log, prefix, options.routeFraudInput === true);
      await host.start();
      logger.info({ groupId, topics: rawTopics.length }, 'ingest started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // The host closes the state file (identity and consent with it).
      await host.stop();
      logger.info({ ...stats() }, 'ingest stopped');
    },
    stats,
    caughtUp: () => host.caughtUp(),
    on: (event, listener) => void events.on(event, listener),
    off: (event, listener) => void events.off(event, listener),
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
