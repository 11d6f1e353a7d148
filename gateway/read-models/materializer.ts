/**
 * The gateway's own consumer of the processors' output topics. It rebuilds the in-memory read models from the
 * beginning of each topic on start (the models are derived state), feeds the signal hub in log order, and
 * reports its position for `/readyz` and the lag metric. Records that fail their schema are counted and skipped.
 */
import { randomUUID } from 'node:crypto';
import {
  TOPICS,
  attributionRecordSchema,
  campaignInfoSchema,
  campaignPauseSchema,
  bidMultiplierSchema,
  consentChangeSchema,
  offerStatSchema,
  segmentChangeSchema,
  stockStatusSchema,
  triggerSchema,
} from '../../schema/index.ts';
import type { Log, LogConsumer, LogRecord } from '../ports.ts';
import type { Metrics } from '../metrics.ts';
import type { SignalHub } from '../subscriptions/signal-hub.ts';
import type { LiveFeeds } from '../subscriptions/live-feeds.ts';
import type { ReadModels } from './read-models.ts';

/** The topics the gateway materializes. */
export const MATERIALIZED_TOPICS = [
  TOPICS.segmentChanges,
  TOPICS.attributions,
  TOPICS.triggers,
  TOPICS.campaigns,
  TOPICS.consent,
  TOPICS.stock,
  TOPICS.campaignPauses,
  TOPICS.bids,
  TOPICS.offerStats,
] as const;

/** The running materializer. */
export interface Materializer {
  start(): Promise<void>;
  /** Records between our position and the log end, per topic. */
  lag(): Promise<Record<string, number>>;
  /** Records that failed their schema. */
  rejected(): number;
  /** Resolves once, after start, the models have read every record that was in the log (lag 0). */
  caughtUp(): Promise<void>;
  /**
   * Resolves once the models have read every record in the log as it is now (after the rebuild), or after
   * `maxWaitMs` if they are further behind (a decision then goes on what they hold).
   */
  caughtUpNow(maxWaitMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Options of the materializer. */
export interface MaterializerOptions {
  log: Log;
  models: ReadModels;
  hub: SignalHub;
  feeds: LiveFeeds;
  metrics: Metrics;
  /** Consumer group id; unique per gateway instance by default (each instance keeps its own models). */
  groupId?: string;
  onError?: (error: unknown, record: LogRecord) => void;
  /** Told of each erased subject (the gateway forgets it in audience uploads). */
  onErased?: (subjectId: string) => void;
}

/**
 * Apply one record of a materialized topic to the read models, the signal hub and the live feeds (throws on a
 * record that fails its schema). Separate from the consumer so the consent logic can be tested on its own.
 */
export function createRecordApplier(targets: {
  models: ReadModels;
  hub: SignalHub;
  feeds: LiveFeeds;
  /** Told of each erased subject, so stores outside the read models forget it too. */
  onErased?: (subjectId: string) => void;
}): (record: LogRecord) => void {
  const { models, hub, feeds } = targets;
  // Topics whose records only update their read model: parse by the topic's schema, apply.
  const modelUpdates = new Map<string, (value: unknown) => void>([
    [TOPICS.campaigns, (value) => models.applyCampaign(campaignInfoSchema.parse(value))],
    [TOPICS.stock, (value) => models.applyStockStatus(stockStatusSchema.parse(value))],
    [TOPICS.campaignPauses, (value) => models.applyCampaignPause(campaignPauseSchema.parse(value))],
    [TOPICS.bids, (value) => models.applyBid(bidMultiplierSchema.parse(value))],
    [TOPICS.offerStats, (value) => models.applyOfferStat(offerStatSchema.parse(value))],
  ]);
  return (record: LogRecord): void => {
    const value: unknown = JSON.parse(record.value);
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    switch (record.topic) {
      case TOPICS.segmentChanges: {
        const change = segmentChangeSchema.parse(value);
        models.applySegmentChange(change);
        // One consent view: the change's own flag and the subject's latest consent (or the host default).
        hub.ingest({
          kind: 'segment-change',
          ...source,
          ...change,
          partnerSharing: change.partnerSharing && models.shareable(change.subjectId),
        });
        return;
      }
      case TOPICS.consent: {
        const change = consentChangeSchema.parse(value);
        models.applyConsent(change);
        if (change.erased) targets.onErased?.(change.subjectId);
        hub.ingest({
          kind: 'consent',
          ...source,
          subjectId: change.subjectId,
          partnerSharing: change.consent.partnerSharing && !change.erased,
          at: change.occurredAt,
        });
        return;
      }
      case TOPICS.attributions: {
        const attribution = attributionRecordSchema.parse(value);
        if (attribution.kind === 'aggregate') models.applyAggregate(attribution);
        return;
      }
      case TOPICS.triggers: {
        const trigger = triggerSchema.parse(value);
        const known = models.trigger(trigger.triggerId) !== undefined;
        models.applyTrigger(trigger);
        if (!known) feeds.publishTrigger(trigger);
        return;
      }
      default:
        modelUpdates.get(record.topic)?.(value);
        return;
    }
  };
}

/** Create the materializer. */
export function createMaterializer(options: MaterializerOptions): Materializer {
  const { log, models, hub, feeds, metrics } = options;
  const groupId = options.groupId ?? `cleanroom-gateway-${randomUUID()}`;
  const positions = new Map<string, number[]>();
  let consumer: LogConsumer | null = null;
  let rejectedCount = 0;
  let markCaughtUp: () => void = () => {};
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  let watching: NodeJS.Timeout | undefined;

  /** Whether the models have read up to `targets` (end offsets per topic). */
  const reached = (targets: Map<string, number[]>): boolean => {
    for (const [topic, ends] of targets) {
      const own = positions.get(topic) ?? [];
      if (ends.some((end, partition) => (own[partition] ?? 0) < end)) return false;
    }
    return true;
  };

  const apply = createRecordApplier({
    models,
    hub,
    feeds,
    ...(options.onErased ? { onErased: options.onErased } : {}),
  });

  return {
    async start() {
      await log.createTopic(TOPICS.campaigns, { compacted: true });
      for (const topic of MATERIALIZED_TOPICS) await log.createTopic(topic);
      consumer = log.consumer({
        groupId,
        topics: [...MATERIALIZED_TOPICS],
        fromBeginning: true,
        autoCommit: false,
        onAssign: (assigned) => assigned.map((tp) => ({ ...tp, offset: 0 })),
      });
      await consumer.run(async (batch) => {
        for (const record of batch.records) {
          try {
            apply(record);
          } catch (error) {
            rejectedCount += 1;
            options.onError?.(error, record);
          }
          const own = positions.get(record.topic) ?? [];
          own[record.partition] = record.offset + 1;
          positions.set(record.topic, own);
          metrics.eventsProcessed.inc({ topic: record.topic });
        }
      });
      // The end offsets as they are now: once the models read that far, the rebuild is over.
      const targets = new Map<string, number[]>();
      for (const topic of MATERIALIZED_TOPICS) targets.set(topic, await log.endOffsets(topic));
      const check = (): void => {
        if (!reached(targets)) return;
        if (watching !== undefined) clearInterval(watching);
        watching = undefined;
        markCaughtUp();
      };
      watching = setInterval(check, 50);
      watching.unref();
      check();
    },
    async lag() {
      const lagByTopic: Record<string, number> = {};
      for (const topic of MATERIALIZED_TOPICS) {
        const ends = await log.endOffsets(topic);
        const own = positions.get(topic) ?? [];
        lagByTopic[topic] = ends.reduce(
          (sum, end, partition) => sum + Math.max(0, end - (own[partition] ?? 0)),
          0,
        );
        metrics.consumerLag.set({ topic }, lagByTopic[topic] ?? 0);
      }
      return lagByTopic;
    },
    rejected: () => rejectedCount,
    caughtUp: () => caughtUp,
    async caughtUpNow(maxWaitMs = 5_000) {
      await caughtUp;
      const targets = new Map<string, number[]>();
      for (const topic of MATERIALIZED_TOPICS) targets.set(topic, await log.endOffsets(topic));
      const deadline = Date.now() + maxWaitMs;
      while (!reached(targets) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      if (watching !== undefined) clearInterval(watching);
      await consumer?.stop();
      consumer = null;
    },
  };
}
