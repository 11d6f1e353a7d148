/**
 * The composed pipeline over the embedded log: simulated raw events in, every stage's outputs out, and the
 * outputs consistent with each other (a verdict for every ad event, no raw identifier anywhere).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline } from '../../processors/index.ts';
import type { Pipeline } from '../../processors/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log } from '../../processors/runtime/index.ts';
import { loadOrCreateSecrets } from '../../policies/index.ts';
import { TOPICS } from '../../schema/index.ts';
import { simulate, writeToLog } from '../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { readAll } from '../helpers/read-topic.ts';

const resources: { pipeline?: Pipeline; log?: Log; dir?: string } = {};

afterEach(async () => {
  await resources.pipeline?.stop();
  await resources.log?.close();
  if (resources.dir) removeTempDir(resources.dir);
});

describe('the composed pipeline on the embedded log', () => {
  it('turns simulated raw events into verdicts, segment changes and attributions', async () => {
    const dir = createTempDir('pipeline');
    resources.dir = dir;
    const log = createEmbeddedLog({ path: `${dir}/log.sqlite` });
    resources.log = log;
    const simulation = simulate({ seed: 11, shoppers: 2_000, events: 10_000, malformedShare: 0.01 });
    await writeToLog(log, simulation);
    const truth = simulation.groundTruth();
    const pipeline = createPipeline({
      log,
      dataDir: dir,
      secrets: loadOrCreateSecrets(dir),
      idleTimeoutMs: 0,
    });
    resources.pipeline = pipeline;
    await pipeline.start();
    await waitFor(() => pipeline.caughtUp(), {
      timeout: 120_000,
      interval: 250,
      message: 'pipeline caught up',
    });

    const stats = pipeline.stats();
    expect(stats.ingest.processed).toBe(10_000);
    expect(stats.ingest.deadLettered).toBe(truth.malformed.length);

    const events = await readAll(log, TOPICS.events);
    const adEvents = events.filter((record) => /"type":"(impression|click)"/.test(record.value));
    const verdicts = await readAll(log, TOPICS.ivt);
    const verdictEventIds = new Set(
      verdicts.map((record) => (JSON.parse(record.value) as { eventId: string }).eventId),
    );
    for (const record of adEvents) {
      expect(verdictEventIds.has((JSON.parse(record.value) as { eventId: string }).eventId)).toBe(true);
    }
    expect((await readAll(log, TOPICS.segmentChanges)).length).toBeGreaterThan(0);
    expect((await readAll(log, TOPICS.attributions)).length).toBeGreaterThan(0);

    // No raw identifier from the simulated world reaches any cleanroom topic.
    const shoppers = simulation.world.shoppers.slice(0, 200);
    const outputs = [...events, ...verdicts].map((record) => record.value).join('\n');
    for (const shopper of shoppers) {
      expect(outputs).not.toContain(shopper.email);
      if (shopper.loyaltyId !== undefined) expect(outputs).not.toContain(`"${shopper.loyaltyId}"`);
    }
  }, 180_000);
});
