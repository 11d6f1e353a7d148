/** The attribution processor: the campaign feed, the engine stage and the merge stage, run together. */
import { createProcessorHost } from '../runtime/index.ts';
import type { HostStats, Log, ProcessorHost } from '../runtime/index.ts';
import { createCampaignDirectory } from './campaign-directory.ts';
import type { CampaignDirectory } from './campaign-directory.ts';
import { createCampaignFeed } from './campaign-feed.ts';
import { AttributionError } from './errors.ts';
import type { AttributionConfig } from './config.ts';
import { createAggregateMergeStage, createAttributionStage } from './stages.ts';
import { attributionTopics } from './topics.ts';

/** Options of {@link createAttributionProcessor}. */
export interface AttributionProcessorOptions {
  log: Log;
  stateDir: string;
  config?: Partial<AttributionConfig>;
  /** Prefix of the consumer groups (default `cleanroom`). */
  groupPrefix?: string;
  /** Prefix of every topic (default none). */
  topicPrefix?: string;
  maxBatchSize?: number;
  onError?: (error: unknown) => void;
}

/** A running attribution processor. */
export interface AttributionProcessor {
  readonly campaigns: CampaignDirectory;
  start(): Promise<void>;
  stop(): Promise<void>;
  caughtUp(): Promise<boolean>;
  stats(): { engine: HostStats; merge: HostStats };
}

/**
 * Creates the attribution processor: reads `cleanroom.events`, `cleanroom.ivt`, `cleanroom.consent` and
 * `cleanroom.campaigns`; writes credits and restated aggregates to `cleanroom.attributions`.
 *
 * Campaigns are read to their end before the engine starts; a campaign changed later applies to the
 * conversions that follow (its remembered conversions are not re-evaluated across partitions).
 *
 * @example
 * const attribution = createAttributionProcessor({ log, stateDir: './data/state' });
 * await attribution.start();
 */
export function createAttributionProcessor(options: AttributionProcessorOptions): AttributionProcessor {
  const prefix = options.groupPrefix ?? 'cleanroom';
  const topics = attributionTopics(options.topicPrefix);
  const campaigns = createCampaignDirectory();
  const feed = createCampaignFeed(options.log, campaigns, topics.campaigns);
  const shared = {
    log: options.log,
    stateDir: options.stateDir,
    eventTime: { maxOutOfOrdernessMs: 0 },
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  };
  const engine: ProcessorHost = createProcessorHost({
    ...shared,
    name: 'attribution',
    groupId: `${prefix}.attribution`,
    inputTopics: [topics.events, topics.ivt, topics.consent],
    processor: createAttributionStage(campaigns, options.config, topics),
  });
  const merge: ProcessorHost = createProcessorHost({
    ...shared,
    name: 'attribution-merge',
    groupId: `${prefix}.attribution-merge`,
    inputTopics: [topics.partials],
    processor: createAggregateMergeStage(topics),
  });
  return {
    campaigns,
    async start() {
      await options.log.createTopic(topics.attributions);
      const inputs = [topics.events, topics.ivt, topics.consent];
      const counts = await Promise.all(inputs.map((topic) => options.log.partitionsFor(topic)));
      if (new Set(counts).size !== 1) {
        // State is keyed by subject per partition: a verdict in another partition than its event never joins.
        throw new AttributionError(
          'NOT_COPARTITIONED',
          `inputs must have equal partition counts: ${inputs.map((t, i) => `${t}=${counts[i]}`).join(', ')}`,
        );
      }
      await feed.start().catch((error: unknown) => {
        throw new AttributionError('CAMPAIGNS_NOT_LOADED', 'campaigns could not be read', {
          topic: topics.campaigns,
          retriable: true,
          cause: error,
        });
      });
      await merge.start();
      await engine.start();
    },
    async stop() {
      await engine.stop();
      await merge.stop();
      await feed.stop();
    },
    async caughtUp() {
      return (await engine.caughtUp()) && (await merge.caughtUp());
    },
    stats: () => ({ engine: engine.stats(), merge: merge.stats() }),
  };
}
