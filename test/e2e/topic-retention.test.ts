/**
 * The pipeline's topic retention on the embedded log, at its most aggressive (every stream record is "old" and
 * over its partition's size at once, nothing waits for a compaction lag, a pass every few milliseconds while the
 * stages run): no stage loses input (every stage counts what an untouched run counts), and the topics the
 * gateway rebuilds from hold the same latest row per compaction key as the untouched run's whole history, so a
 * gateway rebuilding its read models from them answers as it would from the whole history.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline, pipelineTopicCleanup } from '../../processors/index.ts';
import type { Pipeline, TopicRetentionSettings } from '../../processors/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log, TopicCleanupReport } from '../../processors/runtime/index.ts';
import { loadOrCreateSecrets } from '../../policies/index.ts';
import type { HostSecrets } from '../../policies/index.ts';
import { ATTRIBUTION_MODELS } from '../../processors/attribution/index.ts';
import { createRecordApplier, MATERIALIZED_TOPICS } from '../../gateway/read-models/materializer.ts';
import { createReadModels } from '../../gateway/read-models/read-models.ts';
import { createLiveFeeds } from '../../gateway/subscriptions/live-feeds.ts';
import { createSignalHub } from '../../gateway/subscriptions/signal-hub.ts';
import { TOPICS } from '../../schema/index.ts';
import { simulate, writeToLog } from '../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const open: Array<{ pipeline: Pipeline; log: Log; dir: string }> = [];

afterEach(async () => {
  for (const { pipeline, log, dir } of open.splice(0)) {
    await pipeline.stop();
    await log.close();
    removeTempDir(dir);
  }
});

const SIMULATION = { seed: 23, shoppers: 1_500, events: 6_000, malformedShare: 0.01 };

/** Records of a topic in the log file, read straight from SQLite: [key, value] in partition and offset order. */
function recordsOf(
  path: string,
  topic: string,
): Array<{ key: string | null; value: string; partition: number; offset: number }> {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT m.key AS key, m.value AS value, p.partition AS partition, m.id - p.id * 4294967296 AS offset
         FROM log_messages m JOIN log_partitions p
           ON m.id >= p.id * 4294967296 AND m.id < (p.id + 1) * 4294967296
         WHERE p.topic = ? ORDER BY m.id`,
      )
      .all(topic) as Array<{ key: string | null; value: string; partition: number; offset: number }>;
  } finally {
    db.close();
  }
}

/** What a gateway's read models answer after rebuilding from the topics in a log file. */
function rebuiltAnswers(path: string) {
  const models = createReadModels({ consentDefault: { measurement: true, partnerSharing: true } });
  const hub = createSignalHub({ segmentsOf: (subjectId) => models.segmentsOf(subjectId) });
  const apply = createRecordApplier({ models, hub, feeds: createLiveFeeds() });
  const skus = new Set<string>();
  for (const topic of MATERIALIZED_TOPICS) {
    for (const record of recordsOf(path, topic)) {
      apply({ ...record, topic, headers: {}, timestamp: 0 });
      if (topic === TOPICS.stock) skus.add((JSON.parse(record.value) as { sku: string }).sku);
    }
  }
  const campaigns = models.campaigns().map((campaign) => campaign.campaignId);
  return {
    segments: models.segmentIds().map((id) => [id, models.segmentSize(id), models.shareableSegmentSize(id)]),
    consent: models.consentCounts(),
    aggregates: campaigns.flatMap((id) => ATTRIBUTION_MODELS.map((model) => models.aggregates(id, model))),
    paused: campaigns.map((id) => models.pausedLines(id)),
    stock: [...skus].sort().map((sku) => models.regionStock(sku)),
  };
}

async function run(retention: TopicRetentionSettings | undefined, secrets: HostSecrets) {
  const dir = createTempDir('topic-retention');
  const path = `${dir}/log.sqlite`;
  const log = createEmbeddedLog({ path });
  const simulation = simulate(SIMULATION);
  await writeToLog(log, simulation);
  const reports: TopicCleanupReport[] = [];
  const pipeline = createPipeline({
    log,
    dataDir: dir,
    // The same secrets in both runs: subjects then hash, and so partition, alike.
    secrets,
    idleTimeoutMs: 0,
    ...(retention === undefined ? {} : { topicRetention: retention, topicRetentionIntervalMs: 5 }),
    logger: {
      info: (fields: unknown) => {
        const cleaned = (fields as { cleaned?: TopicCleanupReport[] }).cleaned;
        if (cleaned) reports.push(...cleaned);
      },
      warn: () => {},
      error: () => {},
      debug: () => {},
    },
  });
  open.push({ pipeline, log, dir });
  const started = Date.now();
  await pipeline.start();
  await waitFor(() => pipeline.caughtUp(), {
    timeout: 180_000,
    interval: 250,
    message: 'pipeline caught up',
  });
  // One more pass once everything is processed, so the compacted topics are compacted through their end.
  await pipeline.topicCleaner?.clean();
  console.log(`retention ${retention ? 'on' : 'off'}: caught up in ${Date.now() - started} ms`);
  return { path, stats: pipeline.stats(), reports };
}

describe('topic retention under a running pipeline', () => {
  it('loses no stage input and keeps every latest row the gateway rebuilds from', async () => {
    const secretsDir = createTempDir('topic-retention-secrets');
    const secrets = loadOrCreateSecrets(secretsDir);
    removeTempDir(secretsDir);
    const whole = await run(undefined, secrets);
    const trimmed = await run(
      {
        retentionMs: 1,
        retentionBytes: 1,
        minCompactionLagMs: 0,
        longRetentionMs: 1,
      },
      secrets,
    );

    // Every stage saw all of its input: its counts are the untouched run's. Bidding merges three producers'
    // topics in arrival order (processors/bidding), so what it writes may differ between two independent runs;
    // what it read may not.
    const { ingest: wholeIngest, bidding: wholeBidding, ...wholeStages } = whole.stats;
    const { ingest: trimmedIngest, bidding: trimmedBidding, ...trimmedStages } = trimmed.stats;
    expect(trimmedIngest.processed).toBe(wholeIngest.processed);
    expect(trimmedIngest.deadLettered).toBe(wholeIngest.deadLettered);
    expect(JSON.stringify(trimmedStages)).toBe(JSON.stringify(wholeStages));
    expect(trimmedBidding.records).toBe(wholeBidding.records);
    expect(trimmedBidding.deadLettered).toBe(wholeBidding.deadLettered);

    // Retention did work while the stages ran: streams were cut and state topics compacted.
    const deleted = trimmed.reports.reduce((sum, report) => sum + report.deleted, 0);
    const compacted = trimmed.reports.reduce((sum, report) => sum + report.compacted, 0);
    expect(deleted).toBeGreaterThan(1_000);
    expect(compacted).toBeGreaterThan(100);
    expect(recordsOf(trimmed.path, TOPICS.events).length).toBeLessThan(
      recordsOf(whole.path, TOPICS.events).length / 2,
    );

    // The state topics: the latest record of each compaction key is the same as in the whole history.
    for (const [topic, cleanup] of pipelineTopicCleanup()) {
      if (cleanup.compactionKey === undefined) continue;
      if (topic === TOPICS.bids) {
        // Not comparable between independent runs (above): compacted to one record per campaign and placement.
        const keys = recordsOf(trimmed.path, topic).map((record) => cleanup.compactionKey!(record));
        expect(keys.length).toBeGreaterThan(0);
        expect(new Set(keys).size, topic).toBe(keys.length);
        continue;
      }
      const latest = (path: string) => {
        const rows = new Map<string, string>();
        for (const record of recordsOf(path, topic)) {
          const key = cleanup.compactionKey!(record);
          if (key !== null) rows.set(key, record.value);
        }
        return rows;
      };
      const expected = latest(whole.path);
      const kept = recordsOf(trimmed.path, topic).filter((record) => cleanup.compactionKey!(record) !== null);
      expect(latest(trimmed.path), topic).toEqual(expected);
      // Compacted: one record per key is left.
      expect(kept.length, topic).toBe(expected.size);
    }

    // A gateway rebuilding from the compacted topics answers as one that read every record.
    const answers = rebuiltAnswers(trimmed.path);
    expect(answers.segments.some(([, size]) => Number(size) > 0)).toBe(true);
    expect(answers.aggregates.flat().length).toBeGreaterThan(0);
    expect(answers).toEqual(rebuiltAnswers(whole.path));
  }, 360_000);
});
