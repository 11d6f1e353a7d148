/** The fraud processor: the router stage and the detector stage, started and stopped together. */
import { createProcessorHost } from '../runtime/index.ts';
import type { Log, ProcessorHost } from '../runtime/index.ts';
import type { FraudConfigInput } from './config.ts';
import { createDetectorRunner } from './detector-runner.ts';
import type { DetectorRunner, DetectorRunnerStats } from './detector-runner.ts';
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

/** A running fraud processor. */
export interface FraudProcessor {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether both stages have read their inputs to the end and produced every output. */
  caughtUp(): Promise<boolean>;
  stats(): DetectorRunnerStats & { routed: number };
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
  const detector: DetectorRunner = createDetectorRunner({
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
    stats: () => ({ ...detector.stats(), routed: router?.stats().outputs ?? 0 }),
  };
}
