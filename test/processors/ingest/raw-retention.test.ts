/**
 * Raw retention on the embedded log: raw records (emails, phone numbers) are deleted once ingest's group has
 * committed past them and the grace has passed, no sooner and nothing past the commit; the deleted bytes are gone
 * from the SQLite file and its write-ahead log, not only unlinked; and the whole pipeline with a grace of 0 leaves
 * no simulated email in the log file while every derived topic keeps what ingest made of them.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline } from '../../../processors/index.ts';
import type { Pipeline } from '../../../processors/index.ts';
import { createRawRetention } from '../../../processors/ingest/index.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log, LogRecord } from '../../../processors/runtime/index.ts';
import { loadOrCreateSecrets } from '../../../policies/index.ts';
import { RAW_TOPICS, TOPICS } from '../../../schema/index.ts';
import { simulate, writeToLog } from '../../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The bytes of the log's SQLite file and its write-ahead log, as text (for a search for identifiers). */
function fileText(path: string): string {
  return [path, `${path}-wal`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString('latin1'))
    .join('\n');
}

async function readAll(log: Log, topic: string): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  const consumer = log.consumer({
    groupId: `reader-${topic}-${randomUUID()}`,
    topics: [topic],
    autoCommit: false,
  });
  await consumer.run(async (batch) => void records.push(...batch.records));
  // Records arrive within a few polls once the consumer has joined.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await consumer.stop();
  return records;
}

/** Commit `next` for every partition of `topic` in `groupId`, as ingest's host does after its state commit. */
async function commitGroup(log: Log, groupId: string, topic: string, next: number[]): Promise<void> {
  const consumer = log.consumer({ groupId, topics: [topic], autoCommit: false });
  await consumer.run(async () => {});
  await consumer.commit(next.map((offset, partition) => ({ topic, partition, offset })));
  await consumer.stop();
}

describe('raw retention on the embedded log', () => {
  it('deletes below the committed offsets a grace after it saw them, and the bytes leave the file', async () => {
    const dir = createTempDir('raw-retention');
    cleanups.push(() => removeTempDir(dir));
    const path = `${dir}/log.sqlite`;
    const log = createEmbeddedLog({ path, pollIntervalMs: 20 });
    cleanups.push(() => log.close());
    const topic = RAW_TOPICS.loyalty;
    await log.createTopic(topic, { partitions: 1 });
    const email = (index: number) => `retention-shopper-${index}@mail.test`;
    await log.produce(
      topic,
      Array.from({ length: 40 }, (_, index) => ({
        key: `member-${index}`,
        value: JSON.stringify({ memberId: `member-${index}`, email: email(index) }),
      })),
    );
    await commitGroup(log, 'cleanroom-ingest', topic, [30]);
    let clock = 1_000_000;
    const retention = createRawRetention({
      log,
      topics: [topic],
      groupId: 'cleanroom-ingest',
      graceMs: 60_000,
      now: () => clock,
    });

    // Seen now: nothing goes before the grace has passed.
    expect(await retention.sweep()).toBe(0);
    clock += 59_999;
    // Ingest moves on meanwhile; the newer commit has its own grace.
    await commitGroup(log, 'cleanroom-ingest', topic, [35]);
    expect(await retention.sweep()).toBe(0);
    expect(fileText(path)).toContain(email(0));

    clock += 1;
    expect(await retention.sweep()).toBe(30);
    const left = await readAll(log, topic);
    expect(left.map((record) => record.offset)).toEqual(Array.from({ length: 10 }, (_, index) => 30 + index));
    // The end offset is the log's, not the records': offsets never go back.
    expect(await log.endOffsets(topic)).toEqual([40]);
    const text = fileText(path);
    for (let index = 0; index < 30; index += 1) expect(text).not.toContain(email(index));
    expect(text).toContain(email(30));

    // A grace after the second commit, the next five go; nothing past the commit ever does.
    clock += 59_999;
    expect(await retention.sweep()).toBe(5);
    expect(await retention.sweep()).toBe(0);
    expect((await readAll(log, topic)).length).toBe(5);
    expect(retention.deleted()).toBe(35);
  });

  it('does nothing on a log that cannot delete records (Kafka: the broker retention governs)', async () => {
    const dir = createTempDir('raw-retention-none');
    cleanups.push(() => removeTempDir(dir));
    const embedded = createEmbeddedLog({ path: `${dir}/log.sqlite` });
    cleanups.push(() => embedded.close());
    await embedded.produce(RAW_TOPICS.loyalty, [{ key: 'k', value: '{}' }]);
    await commitGroup(embedded, 'cleanroom-ingest', RAW_TOPICS.loyalty, [1, 1, 1, 1]);
    // The same log without the capability, as the Kafka log is.
    const { deleteRecordsBefore: _unused, ...rest } = embedded;
    const withoutDelete: Log = rest;
    const retention = createRawRetention({
      log: withoutDelete,
      topics: [RAW_TOPICS.loyalty],
      groupId: 'cleanroom-ingest',
      graceMs: 0,
    });
    expect(await retention.sweep()).toBe(0);
    expect((await readAll(embedded, RAW_TOPICS.loyalty)).length).toBe(1);
  });

  it('refuses a negative grace', () => {
    expect(() => createRawRetention({ log: {} as Log, topics: [], groupId: 'g', graceMs: -1 })).toThrow(
      /non-negative/,
    );
  });
});

describe('the pipeline with a raw grace of 0', () => {
  it('leaves no simulated email or phone in the log file once ingest is past them, and loses no output', async () => {
    const dir = createTempDir('raw-retention-pipeline');
    cleanups.push(() => removeTempDir(dir));
    const path = `${dir}/log.sqlite`;
    const log = createEmbeddedLog({ path, pollIntervalMs: 20 });
    cleanups.push(() => log.close());
    const simulation = simulate({ seed: 17, shoppers: 300, events: 2_000, malformedShare: 0 });
    await writeToLog(log, simulation);
    // Every email and phone number of the simulated world that the raw records carry.
    const before = fileText(path);
    const identifiers = simulation.world.shoppers
      .flatMap((shopper) => [shopper.email, shopper.phone])
      .filter((value): value is string => value !== undefined && before.includes(value));
    expect(identifiers.length).toBeGreaterThan(50);

    const pipeline: Pipeline = createPipeline({
      log,
      dataDir: dir,
      secrets: loadOrCreateSecrets(dir),
      idleTimeoutMs: 0,
      rawRetentionGraceMs: 0,
    });
    cleanups.push(() => pipeline.stop());
    await pipeline.start();
    await waitFor(() => pipeline.caughtUp(), {
      timeout: 120_000,
      interval: 250,
      message: 'pipeline caught up',
    });
    // The retention task sweeps every second; wait for it to clear what ingest committed.
    const rawTopics = Object.values(RAW_TOPICS).filter((topic) => topic !== RAW_TOPICS.campaigns);
    await waitFor(
      async () => {
        const left = await Promise.all(rawTopics.map((topic) => readAll(log, topic)));
        return left.every((records) => records.length === 0);
      },
      { timeout: 30_000, interval: 500, message: 'raw topics emptied behind ingest' },
    );
    const text = fileText(path);
    const found = identifiers.filter((value) => text.includes(value));
    expect(found.slice(0, 3)).toEqual([]);
    // What ingest derived stays; so do the raw topics' offsets and the campaign catalogue.
    expect(pipeline.stats().ingest.processed).toBe(2_000);
    expect((await readAll(log, TOPICS.events)).length).toBeGreaterThan(1_000);
    expect((await readAll(log, RAW_TOPICS.campaigns)).length).toBeGreaterThan(0);
    const ends = await Promise.all(rawTopics.map((topic) => log.endOffsets(topic)));
    expect(ends.flat().reduce((sum, end) => sum + end, 0)).toBeGreaterThan(1_500);
    expect(pipeline.rawRetention?.deleted()).toBeGreaterThan(1_500);
  });
});
