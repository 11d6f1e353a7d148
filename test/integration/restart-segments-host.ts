/**
 * The segments host of the SIGKILL restart test, built alike for the test's uninterrupted reference run and for
 * the child process it kills (processor-restart-child.ts), so that both runs differ only in being killed.
 */
import { MS, createProcessorHost } from '../../processors/runtime/index.ts';
import type { Log, ProcessorHost } from '../../processors/runtime/index.ts';
import {
  EXAMPLE_SEGMENTS_DIR,
  createSegmentProcessor,
  loadSegmentDefinitions,
} from '../../processors/segments/index.ts';

/** The child's configuration (one JSON argument); the reference run uses the same. */
export interface RestartChildConfig {
  brokers?: string;
  logPath?: string;
  stateDir: string;
  groupId: string;
  eventsTopic: string;
  consentTopic: string;
  outputTopic: string;
  sideTopicPrefix: string;
}

/** The segments host over `log` as `config` describes it (not started). */
export function createRestartHost(log: Log, config: RestartChildConfig): ProcessorHost {
  return createProcessorHost({
    log,
    name: 'segments',
    groupId: config.groupId,
    inputTopics: [config.eventsTopic, config.consentTopic],
    stateDir: config.stateDir,
    processor: createSegmentProcessor({
      definitions: loadSegmentDefinitions(EXAMPLE_SEGMENTS_DIR),
      eventsTopic: config.eventsTopic,
      consentTopic: config.consentTopic,
      outputTopic: config.outputTopic,
    }),
    eventTime: { maxOutOfOrdernessMs: 15 * MS.minute, allowedLatenessMs: 15 * MS.minute },
    sideTopics: { lateEvents: `${config.sideTopicPrefix}late`, deadLetter: `${config.sideTopicPrefix}dead` },
    // Small batches: many transactions, so a kill lands mid-stream.
    maxBatchSize: 25,
  });
}
