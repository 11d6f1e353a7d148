/**
 * The whole pipeline in one process: ingest, then fraud, segments, attribution, triggers (demand and foot
 * traffic), inventory, bidding and offers, over one log.
 *
 * Each stage is its own consumer group with its own state under `<dataDir>/state`, so stages can equally run
 * as separate processes (or several instances each) on Kafka; this composition is the embedded default's and
 * the tests' and benchmarks' convenience.
 */
import path from 'node:path';
import type { Consent } from '../schema/index.ts';
import { RAW_TOPICS, TOPICS, DEFAULT_PARTITIONS } from '../schema/index.ts';
import { DEFAULT_HOST_CONFIG, FOOT_TRAFFIC_HOST_DEFAULTS } from '../policies/index.ts';
import type { HostConfig, HostSecrets } from '../policies/index.ts';
import { deriveNoiseKey } from '../policies/privacy/index.ts';
import { createAttributionProcessor } from './attribution/index.ts';
import type { AttributionConfig } from './attribution/index.ts';
import { createFraudProcessor } from './fraud/index.ts';
import type { FraudConfigInput } from './fraud/index.ts';
import { createIngest, createRawRetention } from './ingest/index.ts';
import { createInventoryHost } from './inventory/index.ts';
import { createBiddingHost } from './bidding/index.ts';
import type { BiddingProcessorOptions } from './bidding/index.ts';
import type { InventoryProcessorOptions } from './inventory/index.ts';
import { createOffersHost } from './offers/index.ts';
import type { OfferProcessorOptions } from './offers/index.ts';
import type { Ingest, IngestLogger, IngestStats, RawRetention } from './ingest/index.ts';
import { createLogCleaner, createProcessorHost, MS } from './runtime/index.ts';
import type { HostStats, Log, LogCleaner, ProcessorHost } from './runtime/index.ts';
import { createSegmentProcessor, EXAMPLE_SEGMENTS_DIR, loadSegmentDefinitions } from './segments/index.ts';
import { createFootTrafficHosts, createTriggerHosts } from './triggers/index.ts';
import type { FootTrafficOptions, TriggerOptions } from './triggers/index.ts';
import { pipelineTopicCleanup } from './topic-retention.ts';
import type { TopicRetentionSettings } from './topic-retention.ts';

/** Options of {@link createPipeline}. */
export interface PipelineOptions {
  log: Log;
  dataDir: string;
  secrets: HostSecrets;
  /** Folder of segment definitions (default `examples/segments`). */
  segmentsDir?: string;
  datacenterCidrs?: readonly string[];
  consentDefault?: Consent;
  /**
   * The host configuration (`serve` passes the one it loaded; default {@link DEFAULT_HOST_CONFIG}): its
   * contribution bounds feed attribution's bounded sums, and its trigger settings, partition-selection delta
   * and k floor the triggers' differentially private release. `attribution` and `trigger` override them.
   */
  host?: HostConfig;
  fraud?: FraudConfigInput;
  attribution?: Partial<AttributionConfig>;
  trigger?: TriggerOptions;
  /** Foot-traffic trigger settings; the host's `privacy.footTraffic`, delta and k floor unless given here. */
  footTraffic?: FootTrafficOptions;
  /**
   * Inventory stage settings: the in-stock share of a region, and the brands whose contract allows substitution
   * (`serve` passes those of the contracts it loaded; a contract change reaches the stage at its next start).
   */
  inventory?: Omit<InventoryProcessorOptions, 'topics'>;
  /** Bidding stage settings: the counts' half-life and each shopper's contribution bounds. */
  bidding?: Omit<BiddingProcessorOptions, 'topics'>;
  /**
   * The offer engine's settings: the offers the contracts declare (`serve` passes them; none by default, and a
   * contract change reaches the stage at its next start) and the caps.
   */
  offers?: Omit<OfferProcessorOptions, 'topics'>;
  /** Bound on out-of-order event time within one partition for segments (default 5 minutes). */
  segmentsMaxOutOfOrdernessMs?: number;
  /**
   * Processing-time idle timeout after which a quiet partition's watermark follows the others (0 = off, the
   * default: exact replay). The live demo sets it so time-driven exits and window closes keep flowing.
   */
  idleTimeoutMs?: number;
  partitions?: number;
  /**
   * Delete raw `retail.*` records (campaigns aside: they hold no shopper) from the embedded log this long after
   * ingest committed past them (default: keep them). Inert on Kafka, whose topics' `retention.ms` governs them.
   */
  rawRetentionGraceMs?: number;
  /**
   * Retention and compaction of the pipeline's own `cleanroom.*` topics on the embedded log (topic-retention.ts;
   * default: keep everything). Inert on Kafka, whose topic configuration governs them.
   */
  topicRetention?: TopicRetentionSettings;
  /** How often the topic retention runs (default 60 s). */
  topicRetentionIntervalMs?: number;
  logger?: IngestLogger;
  onError?: (stage: string, error: unknown) => void;
}

/** Counters of every stage. */
export interface PipelineStats {
  ingest: IngestStats;
  fraud: ReturnType<ReturnType<typeof createFraudProcessor>['stats']>;
  segments: HostStats;
  attribution: ReturnType<ReturnType<typeof createAttributionProcessor>['stats']>;
  triggers: { repartition: HostStats; trigger: HostStats };
  footTraffic: { repartition: HostStats; trigger: HostStats };
  inventory: HostStats;
  bidding: HostStats;
  offers: HostStats;
}

/** A running pipeline. */
export interface Pipeline {
  readonly ingest: Ingest;
  /** The raw retention task (null unless `rawRetentionGraceMs` was given). */
  readonly rawRetention: RawRetention | null;
  /** The cleaner of the pipeline's own topics (null unless `topicRetention` was given). */
  readonly topicCleaner: LogCleaner | null;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether every stage has read its inputs to their current end and produced every output. */
  caughtUp(): Promise<boolean>;
  stats(): PipelineStats;
}

/** Create every topic the pipeline reads or writes, with `partitions` partitions. */
export async function createPipelineTopics(log: Log, partitions: number = DEFAULT_PARTITIONS): Promise<void> {
  for (const topic of Object.values(RAW_TOPICS)) {
    await log.createTopic(topic, { partitions, compacted: topic === RAW_TOPICS.campaigns });
  }
  for (const topic of Object.values(TOPICS)) {
    await log.createTopic(topic, { partitions, compacted: topic === TOPICS.campaigns });
  }
}

/**
 * Compose the pipeline.
 *
 * @example
 * const pipeline = createPipeline({ log, dataDir: './data', secrets: loadOrCreateSecrets({ dataDir: './data' }) });
 * await pipeline.start();
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const { log } = options;
  const stateDir = path.join(options.dataDir, 'state');
  const onError = (stage: string) => (error: unknown) => options.onError?.(stage, error);
  const idle = options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs };
  const ingest = createIngest({
    log,
    dataDir: options.dataDir,
    secrets: options.secrets,
    // Ingest feeds the fraud detector itself, in its deterministic order (no router stage in between).
    routeFraudInput: true,
    ...(options.datacenterCidrs === undefined ? {} : { datacenterCidrs: options.datacenterCidrs }),
    ...(options.consentDefault === undefined ? {} : { consentDefault: options.consentDefault }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const fraud = createFraudProcessor({
    log,
    stateDir,
    route: false,
    onError: onError('fraud'),
    ...(options.fraud === undefined ? {} : { config: options.fraud }),
  });
  const segments: ProcessorHost = createProcessorHost({
    log,
    name: 'segments',
    inputTopics: [TOPICS.events, TOPICS.consent],
    stateDir,
    processor: createSegmentProcessor({
      definitions: loadSegmentDefinitions(options.segmentsDir ?? EXAMPLE_SEGMENTS_DIR),
    }),
    eventTime: { maxOutOfOrdernessMs: options.segmentsMaxOutOfOrdernessMs ?? 5 * MS.minute },
    onError: onError('segments'),
    ...idle,
  });
  const host = options.host ?? DEFAULT_HOST_CONFIG;
  const attribution = createAttributionProcessor({
    log,
    stateDir,
    onError: onError('attribution'),
    config: { contributionBounds: host.privacy.contributionBounds, ...options.attribution },
  });
  const triggers = createTriggerHosts({
    log,
    stateDir,
    // Replay-deterministic noise that no partner can predict: a key of its own, derived from the host secret.
    noiseKey: deriveNoiseKey(options.secrets.hostSecret, 'trigger-noise'),
    trigger: {
      epsilon: host.privacy.triggers.epsilonPerWindow,
      maxUnitsPerBuyer: host.privacy.triggers.maxUnitsPerBuyer,
      maxCategoriesPerBuyer: host.privacy.triggers.maxCategoriesPerBuyer,
      partitionSelectionDelta: host.privacy.partitionSelectionDelta,
      minDistinctBuyers: host.thresholdFloor,
      ...options.trigger,
    },
    ...idle,
  });
  const footTrafficHost = host.privacy.footTraffic ?? FOOT_TRAFFIC_HOST_DEFAULTS;
  const footTraffic = createFootTrafficHosts({
    log,
    stateDir,
    noiseKey: deriveNoiseKey(options.secrets.hostSecret, 'foot-traffic-noise'),
    footTraffic: {
      epsilon: footTrafficHost.epsilonPerWindow,
      maxEntriesPerRecord: footTrafficHost.maxEntriesPerRecord,
      partitionSelectionDelta: host.privacy.partitionSelectionDelta,
      minEntries: host.thresholdFloor,
      ...options.footTraffic,
    },
    ...idle,
  });
  const inventory = createInventoryHost({
    log,
    stateDir,
    onError: onError('inventory'),
    ...options.inventory,
  });
  const offers = createOffersHost({
    log,
    stateDir,
    onError: onError('offers'),
    offers: [],
    // The offer report's cells per shopper follow the host's contribution bound for campaign cells.
    cellsPerBrand: host.privacy.contributionBounds.cellsPerCampaign,
    ...options.offers,
  });

  const bidding = createBiddingHost({
    log,
    stateDir,
    onError: onError('bidding'),
    ...options.bidding,
  });

  const rawRetention =
    options.rawRetentionGraceMs === undefined
      ? null
      : createRawRetention({
          log,
          topics: ingest.rawTopics.filter((topic) => !topic.endsWith(RAW_TOPICS.campaigns)),
          groupId: ingest.groupId,
          graceMs: options.rawRetentionGraceMs,
          onDeleted: (deleted) => options.logger?.info({ deleted }, 'raw records deleted behind ingest'),
          onError: onError('raw-retention'),
        });

  const topicCleaner =
    options.topicRetention === undefined
      ? null
      : createLogCleaner({
          log,
          topics: pipelineTopicCleanup(options.topicRetention),
          ...(options.topicRetentionIntervalMs === undefined
            ? {}
            : { intervalMs: options.topicRetentionIntervalMs }),
          onCleaned: (reports) =>
            options.logger?.info(
              {
                cleaned: reports
                  .filter((report) => report.deleted + report.compacted > 0 || report.heldBy.length > 0)
                  .map(({ topic, deleted, compacted, bytes, heldBy }) => ({
                    topic,
                    deleted,
                    compacted,
                    bytes,
                    ...(heldBy.length > 0 ? { heldBy } : {}),
                  })),
              },
              'topics cleaned',
            ),
          onError: onError('topic-retention'),
        });

  return {
    ingest,
    rawRetention,
    topicCleaner,
    async start() {
      await createPipelineTopics(log, options.partitions);
      // Downstream first, so nothing ingest writes waits for a consumer that is still joining.
      await Promise.all([
        fraud.start(),
        segments.start(),
        attribution.start(),
        triggers.start(),
        footTraffic.start(),
        inventory.start(),
        bidding.start(),
        offers.start(),
      ]);
      await ingest.start();
      rawRetention?.start();
      topicCleaner?.start();
    },
    async stop() {
      await topicCleaner?.stop();
      await rawRetention?.stop();
      await ingest.stop();
      await Promise.all([
        fraud.stop(),
        segments.stop(),
        attribution.stop(),
        triggers.stop(),
        footTraffic.stop(),
        inventory.stop(),
        bidding.stop(),
        offers.stop(),
      ]);
    },
    async caughtUp() {
      // Upstream first: a later stage is only caught up once its inputs stopped growing.
      if (!(await ingest.caughtUp())) return false;
      if (!(await fraud.caughtUp())) return false;
      if (!(await segments.caughtUp())) return false;
      if (!(await triggers.repartition.caughtUp())) return false;
      if (!(await triggers.trigger.caughtUp())) return false;
      if (!(await footTraffic.repartition.caughtUp())) return false;
      if (!(await footTraffic.trigger.caughtUp())) return false;
      if (!(await inventory.caughtUp())) return false;
      if (!(await bidding.caughtUp())) return false;
      if (!(await attribution.caughtUp())) return false;
      // After segments and inventory: the offer engine reads their outputs.
      return offers.caughtUp();
    },
    stats: () => ({
      ingest: ingest.stats(),
      fraud: fraud.stats(),
      segments: segments.stats(),
      attribution: attribution.stats(),
      triggers: { repartition: triggers.repartition.stats(), trigger: triggers.trigger.stats() },
      footTraffic: { repartition: footTraffic.repartition.stats(), trigger: footTraffic.trigger.stats() },
      inventory: inventory.stats(),
      bidding: bidding.stats(),
      offers: offers.stats(),
    }),
  };
}
