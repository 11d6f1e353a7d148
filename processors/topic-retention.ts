/**
 * How long the pipeline's own `cleanroom.*` topics keep their records on the embedded log, and which of them are
 * compacted. On one machine the log would otherwise keep every record the demo ever wrote (about a gigabyte an
 * hour of clean events, intermediate topics and attribution updates).
 *
 * Three kinds of topic:
 * - **state the gateway rebuilds from** (it reads these from offset 0 on every start): compacted, so each row of
 *   state keeps its latest record. The compaction key is the row's identity, which is finer than the partition
 *   key (segment and subject, not the subject alone; an attribution aggregate's id, not its campaign);
 * - **streams between stages and side outputs**: deleted by age and by size per partition, never before every
 *   stage reading them committed past them (the log cleaner's reader hold);
 * - **triggers and dead letters**: kept by age only (a trigger list and an operator's queue, both small).
 *
 * On Kafka the broker's topic configuration does this instead (docs/operations.md lists the properties).
 */
import { TOPICS } from '../schema/index.ts';
import { ATTRIBUTION_PARTIALS_TOPIC } from './attribution/index.ts';
import { FRAUD_INPUT_TOPIC } from './fraud/index.ts';
import { MS } from './runtime/index.ts';
import type { TopicCleanup } from './runtime/index.ts';
import { DEMAND_TOPIC, FOOT_TRAFFIC_TOPIC } from './triggers/index.ts';

/** Settings of {@link pipelineTopicCleanup} (each has the default given). */
export interface TopicRetentionSettings {
  /** Age after which stream records go (default 1 hour). */
  retentionMs?: number;
  /** Bytes a stream partition may hold before its oldest records go (default 32 MiB). */
  retentionBytes?: number;
  /** Age before a replaced record of a compacted topic may go (default 1 minute: a resuming reader sees it). */
  minCompactionLagMs?: number;
  /** A consumer group silent this long no longer holds records (default 7 days). */
  readerIdleMs?: number;
  /** Age after which triggers and dead letters go (default 30 days). */
  longRetentionMs?: number;
}

/** The defaults of {@link TopicRetentionSettings}. */
export const DEFAULT_TOPIC_RETENTION: Required<TopicRetentionSettings> = {
  retentionMs: MS.hour,
  retentionBytes: 32 * 1024 * 1024,
  minCompactionLagMs: MS.minute,
  readerIdleMs: 7 * MS.day,
  longRetentionMs: 30 * MS.day,
};

/** A compaction key read from a record's JSON value (null, so kept by age, when it has no such fields). */
function keyOf(fields: (value: Record<string, unknown>) => unknown[] | null): TopicCleanup['compactionKey'] {
  return ({ value }) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      // Not JSON: not a row of state (the gateway skips it too), so it goes by age.
      return null;
    }
    if (typeof parsed !== 'object' || parsed === null) return null;
    const parts = fields(parsed as Record<string, unknown>);
    if (parts === null || parts.some((part) => part === undefined)) return null;
    return parts.map(String).join('|');
  };
}

/** The retention and compaction of every topic the pipeline writes (raw topics are raw-retention.ts's). */
export function pipelineTopicCleanup(settings: TopicRetentionSettings = {}): Map<string, TopicCleanup> {
  const s = { ...DEFAULT_TOPIC_RETENTION, ...settings };
  const hold = { readerIdleMs: s.readerIdleMs };
  const compacted = (compactionKey: TopicCleanup['compactionKey']): TopicCleanup => ({
    compactionKey,
    minCompactionLagMs: s.minCompactionLagMs,
    // Records with no row identity on these topics are events (attribution credits): they go by age and size.
    retentionMs: s.retentionMs,
    retentionBytes: s.retentionBytes,
    ...hold,
  });
  const stream: TopicCleanup = { retentionMs: s.retentionMs, retentionBytes: s.retentionBytes, ...hold };
  const long: TopicCleanup = { retentionMs: s.longRetentionMs, ...hold };
  return new Map<string, TopicCleanup>([
    [TOPICS.campaigns, compacted(({ key }) => key)],
    [TOPICS.consent, compacted(keyOf((v) => [v['subjectId']]))],
    [TOPICS.segmentChanges, compacted(keyOf((v) => [v['segmentId'], v['subjectId']]))],
    [TOPICS.attributions, compacted(keyOf((v) => (v['kind'] === 'aggregate' ? [v['aggregateId']] : null)))],
    [TOPICS.stock, compacted(keyOf((v) => [v['level'], v['sku'], v['region'], v['storeId'] ?? '']))],
    [TOPICS.campaignPauses, compacted(keyOf((v) => [v['campaignId'], v['sku'], v['region']]))],
    [TOPICS.bids, compacted(keyOf((v) => [v['campaignId'], v['placement']]))],
    [TOPICS.offerStats, compacted(keyOf((v) => [v['statId']]))],
    [TOPICS.events, stream],
    [TOPICS.ivt, stream],
    [TOPICS.fraudSignals, stream],
    [TOPICS.inventory, stream],
    [TOPICS.instore, stream],
    [TOPICS.offers, stream],
    [TOPICS.lateEvents, stream],
    [FRAUD_INPUT_TOPIC, stream],
    [ATTRIBUTION_PARTIALS_TOPIC, stream],
    [DEMAND_TOPIC, stream],
    [FOOT_TRAFFIC_TOPIC, stream],
    [TOPICS.triggers, long],
    [TOPICS.deadLetter, long],
  ]);
}
