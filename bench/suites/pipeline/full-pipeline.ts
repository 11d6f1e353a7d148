/**
 * The whole pipeline (ingest and the four processors) composed from their public factories over one log, under a
 * topic prefix, with a way to know when every input has been processed. Parts can run alone for the
 * per-processor figures. This is the bench's adapter until `processors/pipeline.ts` exists.
 */
import path from 'node:path';
import { createAttributionProcessor } from '../../../processors/attribution/index.ts';
import { createFraudProcessor } from '../../../processors/fraud/index.ts';
import { createIngest } from '../../../processors/ingest/index.ts';
import { MS, createProcessorHost } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import {
  EXAMPLE_SEGMENTS_DIR,
  createSegmentProcessor,
  loadSegmentDefinitions,
} from '../../../processors/segments/index.ts';
import { createTriggerHosts } from '../../../processors/triggers/index.ts';
import { secretsFromHostSecret } from '../../../policies/index.ts';
import { deriveNoiseKey } from '../../../policies/privacy/index.ts';
import { TOPICS } from '../../../schema/index.ts';

/** The parts of the pipeline. */
export type PipelinePart = 'ingest' | 'fraud' | 'segments' | 'attribution' | 'triggers';

/** All parts, in data-flow order. */
export const PIPELINE_PARTS: readonly PipelinePart[] = [
  'ingest',
  'fraud',
  'segments',
  'attribution',
  'triggers',
];

/** Options of {@link startPipeline}. */
export interface PipelineOptions {
  log: Log;
  /** Folder of every state file of this run. */
  dir: string;
  /** Prefix of every topic (`b1.` reads `b1.retail.transactions`, writes `b1.cleanroom.events`). */
  topicPrefix: string;
  /** Prefix of consumer groups and processor names: unique per run on a shared broker. */
  runId: string;
  parts: readonly PipelinePart[];
  /** Raw records to wait for when ingest runs. */
  rawRecords: number;
}

/** A running composition. */
export interface RunningPipeline {
  /**
   * Whether ingest has consumed every raw record and each part, checked in data-flow order, has read its inputs
   * to the end and produced its outputs.
   */
  finished(): Promise<boolean>;
  stop(): Promise<void>;
}

const BENCH_SECRETS = secretsFromHostSecret(new Uint8Array(32).fill(23));
const EVENT_TIME = { maxOutOfOrdernessMs: 15 * MS.minute, allowedLatenessMs: 6 * MS.hour };

/** Start the selected parts; resolves once every part has joined its groups. */
export async function startPipeline(options: PipelineOptions): Promise<RunningPipeline> {
  const { log, topicPrefix: prefix, runId, parts } = options;
  const stops: Array<() => Promise<void>> = [];
  const checks: Array<() => Promise<boolean>> = [];
  const stateDir = path.join(options.dir, 'state');
  const onError = (): void => {};
  /** Start one part; it is stopped with the others and checked in data-flow order. */
  const startPart = async (
    part: { start(): Promise<void>; stop(): Promise<void> },
    caughtUp: () => Promise<boolean>,
  ): Promise<void> => {
    await part.start();
    stops.push(() => part.stop());
    checks.push(caughtUp);
  };
  try {
    if (parts.includes('ingest')) {
      const ingest = createIngest({
        log,
        dataDir: path.join(options.dir, 'ingest'),
        secrets: BENCH_SECRETS,
        topicPrefix: prefix,
        groupId: `${runId}.ingest`,
      });
      const eventsTopic = `${prefix}${TOPICS.events}`;
      await startPart(ingest, async () => {
        const stats = ingest.stats();
        if (stats.processed < options.rawRecords) return false;
        // Counted at commit, produced from the outbox just after: wait until the events are on the log.
        const produced = (await log.endOffsets(eventsTopic)).reduce((sum, end) => sum + end, 0);
        return produced >= stats.events;
      });
    }
    if (parts.includes('fraud')) {
      const fraud = createFraudProcessor({ log, stateDir, groupPrefix: runId, topicPrefix: prefix, onError });
      await startPart(fraud, () => fraud.caughtUp());
    }
    if (parts.includes('segments')) {
      const segments = createProcessorHost({
        log,
        name: `segments-${runId}`,
        groupId: `${runId}.segments`,
        inputTopics: [`${prefix}${TOPICS.events}`, `${prefix}${TOPICS.consent}`],
        stateDir,
        processor: createSegmentProcessor({
          definitions: loadSegmentDefinitions(EXAMPLE_SEGMENTS_DIR),
          eventsTopic: `${prefix}${TOPICS.events}`,
          consentTopic: `${prefix}${TOPICS.consent}`,
          outputTopic: `${prefix}${TOPICS.segmentChanges}`,
        }),
        eventTime: EVENT_TIME,
        sideTopics: {
          lateEvents: `${prefix}${TOPICS.lateEvents}`,
          deadLetter: `${prefix}${TOPICS.deadLetter}`,
        },
        onError,
      });
      await startPart(segments, () => segments.caughtUp());
    }
    if (parts.includes('attribution')) {
      const attribution = createAttributionProcessor({
        log,
        stateDir,
        groupPrefix: runId,
        topicPrefix: prefix,
        onError,
      });
      await startPart(attribution, () => attribution.caughtUp());
    }
    if (parts.includes('triggers')) {
      const triggers = createTriggerHosts({
        log,
        stateDir,
        inputTopic: `${prefix}${TOPICS.events}`,
        demandTopic: `${prefix}cleanroom.demand-by-region`,
        noiseKey: deriveNoiseKey(BENCH_SECRETS.hostSecret, 'trigger-noise'),
        trigger: { outputTopic: `${prefix}${TOPICS.triggers}` },
        nameSuffix: `-${runId}`,
      });
      await startPart(
        triggers,
        async () => (await triggers.repartition.caughtUp()) && (await triggers.trigger.caughtUp()),
      );
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(reportStopFailure);
    throw error;
  }
  return {
    async finished() {
      for (const check of checks) if (!(await check())) return false;
      return true;
    },
    async stop() {
      for (const stop of [...stops].reverse()) await stop().catch(reportStopFailure);
    },
  };
}

/** A part that failed to stop after the measurement: said on stderr, the next part still stops. */
function reportStopFailure(error: unknown): void {
  process.stderr.write(`bench: a pipeline part did not stop cleanly: ${String(error)}\n`);
}
