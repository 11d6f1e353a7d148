/** The fraud processor: the router stage and the detector stage, started and stopped together. */
import { createProcessorHost } from '../runtime/index.ts';
import type { Log, ProcessorHost } from '../runtime/index.ts';
import type { FraudConfigInput } from './config.ts';
import { createDetectorHost } from './detector-host.ts';
import { DETECTOR_COUNTS } from './detector-processor.ts';
import { createFraudRouter } from './router.ts';
import { fraudTopics } from './topics.ts';

/** Options of {@link createFraudProcessor}. */
export interface FraudProcessorOptions {
  log: Log;
  /** Folder of the state files (the router's per partition, the detector's one). */
  stateDir: string;
  config?: FraudConfigInput;
  /** Prefix of the consumer groups (default `cleanroom`). */
  groupPrefix?: string;
  /** Prefix of every topic (default none). */
  topicPrefix?: string;
  maxBatchSize?: number;
  onError?: (error: unknown) => void;
  /**
   * Run the router stage from `cleanroom.events` (default true). The pipeline sets false: there ingest writes
   * the detector's topic itself, in its one deterministic order, so the detector's input does not depend on
   * how the router's partitions interleave (which would make its verdicts differ after a restart).
   */
  route?: boolean;
}

/** Counters of a fraud processor, kept with the stages' state (so they count from the first start). */
export interface FraudStats {
  adEvents: number;
  verdicts: number;
  signals: number;
  /** Input the detector could not parse (dead-lettered). */
  rejected: number;
  /** Events the router forwarded to the detector (0 without the router stage). */
  routed: number;
}

/** A running fraud processor. */
export interface FraudProcessor {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether both stages have read their inputs to the end and produced every output. */
  caughtUp(): Promise<boolean>;
  stats(): FraudStats;
}

/**
 * Creates the fraud processor over `cleanroom.events`, writing `cleanroom.ivt` and `cleanroom.fraud-signals`.
 *
 * @example
 * const fraud = createFraudProcessor({ log, stateDir: './data/state' });
 * await fraud.start();
 */
export function createFraudProcessor(options: FraudProcessorOptions): FraudProcessor {
  const prefix = options.groupPrefix ?? 'cleanroom';
  const topics = fraudTopics(options.topicPrefix);
  const shared = {
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  };
  const router: ProcessorHost | null =
    options.route === false
      ? null
      : createProcessorHost({
          log: options.log,
          name: 'fraud-router',
          groupId: `${prefix}.fraud-router`,
          inputTopics: [topics.events],
          stateDir: options.stateDir,
          processor: createFraudRouter(topics.input),
          eventTime: { maxOutOfOrdernessMs: 0 },
          ...shared,
        });
  const detector: ProcessorHost = createDetectorHost({
    log: options.log,
    stateDir: options.stateDir,
    groupId: `${prefix}.fraud-detector`,
    ...(options.topicPrefix === undefined ? {} : { topicPrefix: options.topicPrefix }),
    ...(options.config === undefined ? {} : { config: options.config }),
    ...shared,
  });
  return {
    async start() {
      await detector.start();
      await router?.start();
    },
    async stop() {
      await router?.stop();
      await detector.stop();
    },
    async caughtUp() {
      return (router === null || (await router.caughtUp())) && (await detector.caughtUp());
    },
    stats() {
      const { counts, deadLettered } = detector.stats();
      return {
        adEvents: counts[DETECTOR_COUNTS.adEvent] ?? 0,
        verdicts: counts[DETECTOR_COUNTS.verdict] ?? 0,
        signals: counts[DETECTOR_COUNTS.signal] ?? 0,
        rejected: deadLettered,
        routed: router?.stats().outputs ?? 0,
      };
    },
  };
}
