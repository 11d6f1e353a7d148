/**
 * The detector stage on the processor host: ONE task over the detector's one-partition input (merged layout, so
 * its producer id is `fraud-detector/<epoch>`), its state in `<stateDir>/fraud-detector/state.sqlite`. The host
 * gives it what every stage has: state, offsets and outbox in one transaction per batch, outputs produced
 * afterwards with their deterministic ids, repeats from a restarted producer skipped, unparseable input
 * dead-lettered.
 */
import path from 'node:path';
import { createProcessorHost, openStateStore } from '../runtime/index.ts';
import type { Log, ProcessorHost } from '../runtime/index.ts';
import type { FraudConfigInput } from './config.ts';
import { createDetectorProcessor } from './detector-processor.ts';
import { FraudError } from './errors.ts';
import { fraudTopics } from './topics.ts';

/** The detector's processor name: its state folder and producer id. */
const DETECTOR_NAME = 'fraud-detector';

/** Options of {@link createDetectorHost}. */
export interface DetectorHostOptions {
  log: Log;
  stateDir: string;
  config?: FraudConfigInput;
  /** Default `cleanroom.fraud-detector`. */
  groupId?: string;
  /** Prefix of every topic (default none). */
  topicPrefix?: string;
  maxBatchSize?: number;
  onError?: (error: unknown) => void;
}

/**
 * Create the detector stage (see topics.ts for why it reads one partition).
 *
 * @example
 * const detector = createDetectorHost({ log, stateDir: './data/state' });
 * await detector.start();
 */
export function createDetectorHost(options: DetectorHostOptions): ProcessorHost {
  const { log, stateDir } = options;
  const topics = fraudTopics(options.topicPrefix);
  const host = createProcessorHost({
    log,
    name: DETECTOR_NAME,
    groupId: options.groupId ?? `cleanroom.${DETECTOR_NAME}`,
    inputTopics: [topics.input],
    stateDir,
    layout: 'merged',
    openStore: () => openStateStore(path.join(stateDir, DETECTOR_NAME, 'state.sqlite')),
    processor: createDetectorProcessor({
      topics,
      ...(options.config === undefined ? {} : { config: options.config }),
    }),
    eventTime: { maxOutOfOrdernessMs: 0 },
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  return {
    ...host,
    async start() {
      await log.createTopic(topics.input, { partitions: 1 });
      // Verdicts are joined with cleanroom.events by subject downstream: create them with the default
      // partition count rather than leaving it to a broker's auto-creation.
      await log.createTopic(topics.ivt);
      await log.createTopic(topics.fraudSignals);
      if ((await log.partitionsFor(topics.input)) !== 1) {
        throw new FraudError('WRONG_PARTITION_COUNT', `${topics.input} must have exactly one partition`);
      }
      await host.start();
    },
  };
}
