/**
 * Planted foot-traffic surges on the simulator's ground truth: six simulated days of zone-sensor reports (every
 * store of every region, every 30 minutes) with surges planted at local lunchtime in several regions on several
 * days, through ingest and both foot-traffic stages on a real embedded log. Most planted surges must fire in the
 * window that holds them, and few windows may fire that hold none.
 *
 * The release is differentially private (epsilon 1 a region-hour, 100 entries at most per sensor record, so the
 * noise has scale 100 and the entry threshold of partition selection is 1,414 entries); whether a window fires is
 * random over noise keys, and this run uses one fixed key. The simulated region-hour carries about 2,100 entries in
 * the daytime and 2,750 at lunchtime, so a 2x surge is about 1.9x its hour's baseline against the 1.5x threshold,
 * and an ordinary hour's wobble (a few percent, plus noise of about 140) is far from it.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { secretsFromHostSecret } from '../../../policies/index.ts';
import { deriveNoiseKey } from '../../../policies/privacy/index.ts';
import { createIngest } from '../../../processors/ingest/index.ts';
import type { Ingest } from '../../../processors/ingest/index.ts';
import { MS, createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { createFootTrafficHosts } from '../../../processors/triggers/index.ts';
import type { TriggerHosts } from '../../../processors/triggers/index.ts';
import { RAW_TOPICS } from '../../../schema/events.ts';
import { triggerSchema } from '../../../schema/topics.ts';
import { simulate, toProduceMessage } from '../../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { readAll } from '../../helpers/read-topic.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const START = '2026-03-02T00:00:00.000Z';
const PREFIX = 'foot.';
/** Local lunchtime (12:00-13:00) in UTC: west is UTC-8, east UTC-5, the others UTC-6. */
const LUNCH_UTC: Record<string, number> = { west: 20, east: 17, north: 18, south: 18, central: 18 };
/** Surges on days 3 to 6 (days 1 and 2 are the warm-up of every hour's baseline). */
const PLANTED = [
  { region: 'west', day: 3 },
  { region: 'east', day: 3 },
  { region: 'north', day: 4 },
  { region: 'central', day: 4 },
  { region: 'south', day: 5 },
  { region: 'west', day: 5 },
  { region: 'east', day: 6 },
  { region: 'north', day: 6 },
].map(({ region, day }) => ({
  region,
  startsAt: new Date(Date.parse(START) + (day - 1) * MS.day + LUNCH_UTC[region]! * MS.hour).toISOString(),
  durationMinutes: 60,
  multiplier: 2,
}));

describe('foot-traffic triggers on a simulated week with planted lunchtime surges', () => {
  const dirs: string[] = [];
  let log: Log | undefined;
  let ingest: Ingest | undefined;
  let hosts: TriggerHosts | undefined;
  afterEach(async () => {
    await hosts?.stop();
    await ingest?.stop();
    await log?.close();
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });

  it('fires for most planted surges in the window that holds them, and for few other windows', async () => {
    const dir = createTempDir('foot-traffic-surge');
    dirs.push(dir);
    log = createEmbeddedLog({
      path: path.join(dir, 'log.sqlite'),
      pollIntervalMs: 20,
      heartbeatIntervalMs: 100,
    });
    const simulation = simulate({
      seed: 11,
      start: START,
      shoppers: 500,
      simulatedHours: 6 * 24 + 2,
      clickFarms: 0,
      lateShare: 0,
      surge: false,
      instore: { journeysPerHour: 0, footTrafficSurges: PLANTED },
    });
    const secrets = secretsFromHostSecret(new Uint8Array(32).fill(11));
    ingest = createIngest({ log, dataDir: dir, secrets, topicPrefix: PREFIX, groupId: 'foot-ingest' });
    await ingest.start();
    hosts = createFootTrafficHosts({
      log,
      stateDir: path.join(dir, 'state'),
      inputTopic: `${PREFIX}cleanroom.instore`,
      repartitionTopic: `${PREFIX}foot-traffic-by-region`,
      noiseKey: deriveNoiseKey(secrets.hostSecret, 'foot-traffic-noise'),
      // The defaults: hourly windows against the same hour of earlier days, two days of warm-up, lift 1.5,
      // epsilon 1, 100 entries per record, k floor 50.
      footTraffic: { outputTopic: `${PREFIX}triggers` },
      maxOutOfOrdernessMs: 5 * MS.minute,
      sideTopics: { lateEvents: `${PREFIX}late`, deadLetter: `${PREFIX}dead` },
    });
    await hosts.start();

    const topic = `${PREFIX}${RAW_TOPICS.instore}`;
    const ingestDone = async (): Promise<boolean> => {
      const ends = await log!.endOffsets(topic);
      const committed = await log!.committedOffsets('foot-ingest', topic);
      return ends.every((end, partition) => (committed[partition] ?? -1) >= end);
    };
    // As a live feed arrives: in simulated-time order, a chunk at a time, each taken in before the next.
    let chunk: Array<ReturnType<typeof toProduceMessage>> = [];
    const flush = async (): Promise<void> => {
      if (chunk.length > 0) await log!.produce(topic, chunk);
      chunk = [];
      await waitFor(ingestDone, { timeout: 30_000, interval: 10, message: 'ingest took the chunk in' });
    };
    for (const record of simulation) {
      if (record.topic !== RAW_TOPICS.instore) continue;
      chunk.push(toProduceMessage(record));
      if (chunk.length >= 2_000) await flush();
    }
    await flush();
    await waitFor(
      async () =>
        (await ingestDone()) && (await hosts!.repartition.caughtUp()) && (await hosts!.trigger.caughtUp()),
      { timeout: 120_000, interval: 100, message: 'pipeline caught up' },
    );

    const truth = simulation.groundTruth().instore;
    expect(truth?.footTrafficSurges).toHaveLength(PLANTED.length);
    expect(truth!.footTrafficSurges.every((surge) => surge.extraEntries > 1_000)).toBe(true);
    const triggers = (await readAll(log, `${PREFIX}triggers`)).map((record) =>
      triggerSchema.parse(JSON.parse(record.value)),
    );
    const planted = new Set(truth!.footTrafficSurges.map((surge) => `${surge.region}|${surge.startsAt}`));
    const fired = new Set(triggers.map((trigger) => `${trigger.region}|${trigger.windowStart}`));
    const detected = [...planted].filter((key) => fired.has(key));
    const falseAlarms = [...fired].filter((key) => !planted.has(key));
    // Region-hours judged after the warm-up: 5 regions x (days 3-6) x 24 hours.
    const judgedAfterWarmUp = 5 * 4 * 24;
    console.log(
      `foot traffic: ${detected.length}/${planted.size} planted surges fired; ${falseAlarms.length} other ` +
        `window(s) of ${judgedAfterWarmUp - planted.size} fired (${falseAlarms.join(', ') || 'none'}); ` +
        `lifts ${triggers.map((trigger) => trigger.lift).join(', ')}`,
    );
    expect(detected.length / planted.size).toBeGreaterThanOrEqual(0.75);
    expect(falseAlarms.length).toBeLessThanOrEqual(2);
    // Every trigger is a released foot-traffic one: noised entries past the threshold, its public parameters.
    for (const trigger of triggers) {
      expect(trigger).toMatchObject({ input: 'foot_traffic', category: 'foot_traffic', distinctBuyers: 0 });
      expect(trigger.triggerId).toBe(`foot-traffic:${trigger.region}:${trigger.windowStart}`);
      expect(trigger.footTrafficMechanism).toEqual({
        epsilon: 1,
        maxEntriesPerRecord: 100,
        delta: 1e-6,
        entryThreshold: 1_414,
        seasonWindows: 24,
      });
      expect(trigger.observed).toBeGreaterThanOrEqual(1_414);
      expect(trigger.lift).toBeGreaterThanOrEqual(1.5);
      expect(trigger.hostOnly?.boundedUnits).toBeLessThanOrEqual(trigger.hostOnly!.units);
    }
    expect(new Set(triggers.map((trigger) => trigger.triggerId)).size).toBe(triggers.length);
  }, 240_000);
});
