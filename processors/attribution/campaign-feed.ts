/**
 * Keeps a {@link CampaignDirectory} filled from `cleanroom.campaigns`. Every instance reads every partition
 * (a broadcast table: campaigns are few), under a consumer group of its own so no partition is shared.
 */
import { randomUUID } from 'node:crypto';
import { TOPICS, campaignInfoSchema } from '../../schema/index.ts';
import type { Log, LogConsumer } from '../runtime/index.ts';
import type { CampaignDirectory } from './campaign-directory.ts';

/** A running campaign feed. */
export interface CampaignFeed {
  /** Starts reading; resolves once every campaign present at start has been read. */
  start(options?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Creates a feed that upserts every valid campaign record into `directory` (invalid ones are counted). */
export function createCampaignFeed(
  log: Log,
  directory: CampaignDirectory,
  topic: string = TOPICS.campaigns,
  onUpdate?: (campaignId: string) => void,
): CampaignFeed {
  let consumer: LogConsumer | undefined;
  const positions = new Map<number, number>();
  return {
    async start(options = {}) {
      await log.createTopic(topic, { compacted: true });
      const ends = await log.endOffsets(topic);
      consumer = log.consumer({
        groupId: `cleanroom.attribution-campaigns.${randomUUID()}`,
        topics: [topic],
        fromBeginning: true,
        autoCommit: false,
      });
      await consumer.run(async (batch) => {
        for (const record of batch.records) {
          positions.set(batch.partition, record.offset + 1);
          const parsed = campaignInfoSchema.safeParse(JSON.parse(record.value));
          if (!parsed.success) continue;
          directory.upsert(parsed.data);
          onUpdate?.(parsed.data.campaignId);
        }
      });
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      while (ends.some((end, partition) => (positions.get(partition) ?? 0) < end)) {
        if (Date.now() > deadline) throw new Error('campaigns were not read in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      await consumer?.stop();
    },
  };
}
