/**
 * The planted surge: the simulator quadruples plant-based meat purchases in region west for one hour; the
 * pipeline simulator -> ingest -> triggers (both stages) runs on a real embedded log. The trigger must fire
 * for plant_based_meat/west within one window of the surge, and never for a control category or region.
 *
 * The release is differentially private (epsilon 1 a window, the host's default clamps), so whether a window
 * fires is random over noise keys; this run uses one fixed key. Measured over 3,000 fresh keys on this world's
 * clamped demand (the same judge, stage 1's sums): a 4x surge (about 150 clamped buyers against a baseline of
 * about 35) fires within one window in 97% of runs and some control fires in 1.7%; a 3x surge (about 100
 * buyers, close to the 88 noised buyers partition selection asks for) would fire in only about 75%, which is why
 * this world plants 4x. The mechanism's privacy is tested statistically in trigger-privacy.test.ts.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { secretsFromHostSecret } from '../../../policies/index.ts';
import { deriveNoiseKey } from '../../../policies/privacy/index.ts';
import { createIngest } from '../../../processors/ingest/index.ts';
import type { Ingest } from '../../../processors/ingest/index.ts';
import { MS, createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log, LogConsumer } from '../../../processors/runtime/index.ts';
import { createTriggerHosts } from '../../../processors/triggers/index.ts';
import type { TriggerHosts } from '../../../processors/triggers/index.ts';
import { RAW_TOPICS } from '../../../schema/events.ts';
import { triggerSchema } from '../../../schema/topics.ts';
import type { Trigger } from '../../../schema/topics.ts';
import { simulate, toProduceMessage } from '../../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const START = '2026-03-02T00:00:00.000Z';
const SURGE_START = Date.parse('2026-03-02T05:00:00.000Z');
const PREFIX = 'surge.';

describe('triggers on a simulated world with a planted surge', () => {
  const dirs: string[] = [];
  let log: Log | undefined;
  let ingest: Ingest | undefined;
  let hosts: TriggerHosts | undefined;
  let reader: LogConsumer | undefined;
  afterEach(async () => {
    await reader?.stop();
    await hosts?.stop();
    await ingest?.stop();
    await log?.close();
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });

  it('fires for the surging category and region within one window, and for no control', async () => {
    const dir = createTempDir('trigger-surge');
    dirs.push(dir);
    log = createEmbeddedLog({
      path: path.join(dir, 'log.sqlite'),
      pollIntervalMs: 20,
      heartbeatIntervalMs: 100,
    });

    // Seven simulated hours: five warm-up windows, the surge hour (4x), one more to close it. Only purchases
    // and loyalty profiles (identity links, consent) matter to demand, so the other topics are left out.
    const simulation = simulate({
      seed: 7,
      start: START,
      shoppers: 20_000,
      simulatedHours: 7,
      clickFarms: 0,
      lateShare: 0,
      surge: {
        category: 'plant_based_meat',
        region: 'west',
        startsAt: new Date(SURGE_START).toISOString(),
        durationMinutes: 60,
        multiplier: 4,
      },
    });
    const wanted = new Set<string>([RAW_TOPICS.transactions, RAW_TOPICS.loyalty]);
    const secrets = secretsFromHostSecret(new Uint8Array(32).fill(7));
    ingest = createIngest({
      log,
      dataDir: dir,
      secrets,
      topicPrefix: PREFIX,
      groupId: 'surge-ingest',
    });
    await ingest.start();
    hosts = createTriggerHosts({
      log,
      stateDir: path.join(dir, 'state'),
      inputTopic: `${PREFIX}cleanroom.events`,
      demandTopic: `${PREFIX}demand-by-region`,
      noiseKey: deriveNoiseKey(secrets.hostSecret, 'trigger-noise'),
      // Defaults (1-hour windows, k = 50 distinct buyers, 3 warm-up windows, the host's epsilon and clamps) but
      // lift >= 2.5: the simulated day has daily peaks an EWMA of the previous hours does not foresee (cereal in
      // west reaches 2.02x at 03:00 with these seeds), and seven simulated hours hold no "same hour yesterday".
      trigger: { outputTopic: `${PREFIX}triggers`, liftThreshold: 2.5 },
      maxOutOfOrdernessMs: 5 * MS.minute,
      allowedLatenessMs: 30 * MS.minute,
      sideTopics: { lateEvents: `${PREFIX}late`, deadLetter: `${PREFIX}dead` },
    });
    await hosts.start();

    const ingestDone = async (): Promise<boolean> => {
      for (const topic of wanted) {
        const ends = await log!.endOffsets(`${PREFIX}${topic}`);
        const committed = await log!.committedOffsets('surge-ingest', `${PREFIX}${topic}`);
        if (ends.some((end, partition) => (committed[partition] ?? -1) < end)) return false;
      }
      return true;
    };
    // Produce as a live feed arrives: in simulated-time order, a chunk at a time, each taken in by ingest
    // before the next. (A whole backlog at once reaches cleanroom.events raw partition after raw partition,
    // i.e. hours out of order, and most purchases would be too late for their windows.)
    let chunk: Array<{ topic: string; message: ReturnType<typeof toProduceMessage> }> = [];
    const flush = async (): Promise<void> => {
      for (const topic of wanted) {
        const messages = chunk.filter((entry) => entry.topic === topic).map((entry) => entry.message);
        if (messages.length > 0) await log!.produce(`${PREFIX}${topic}`, messages);
      }
      chunk = [];
      await waitFor(ingestDone, { timeout: 30_000, interval: 10, message: 'ingest took the chunk in' });
    };
    for (const record of simulation) {
      if (!wanted.has(record.topic)) continue;
      chunk.push({ topic: record.topic, message: toProduceMessage(record) });
      if (chunk.length >= 400) await flush();
    }
    await flush();
    await waitFor(
      async () =>
        (await ingestDone()) && (await hosts!.repartition.caughtUp()) && (await hosts!.trigger.caughtUp()),
      {
        timeout: 100_000,
        interval: 100,
        message: 'pipeline caught up',
      },
    );

    const triggers: Trigger[] = [];
    const expected = (await log.endOffsets(`${PREFIX}triggers`)).reduce((sum, end) => sum + end, 0);
    reader = log.consumer({ groupId: 'surge-reader', topics: [`${PREFIX}triggers`], fromBeginning: true });
    await reader.run(async (batch) => {
      for (const record of batch.records) triggers.push(triggerSchema.parse(JSON.parse(record.value)));
    });
    await waitFor(() => triggers.length >= expected, { message: 'triggers read' });

    const surging = triggers.filter(
      (trigger) => trigger.category === 'plant_based_meat' && trigger.region === 'west',
    );
    expect(surging.length).toBeGreaterThan(0);
    const first = surging.map((trigger) => Date.parse(trigger.windowStart)).sort((a, b) => a - b)[0]!;
    const windowsTaken = (first - SURGE_START) / MS.hour;
    const stats = hosts.repartition.stats();
    console.log(
      `surge: trigger fired for plant_based_meat/west in window ${new Date(first).toISOString()} — ` +
        `${windowsTaken} window(s) after the surge began; lift ${surging[0]!.lift}, ${surging[0]!.distinctBuyers} buyers; ` +
        `${triggers.length - surging.length} control trigger(s); ${stats.records} clean events, ${stats.tooLate} too late`,
    );
    // The trigger carries released values only (with the mechanism's public parameters); exact ones for the host.
    expect(surging[0]!.mechanism).toMatchObject({ epsilon: 1, buyerThreshold: 88, maxCategoriesPerBuyer: 3 });
    expect(surging[0]!.distinctBuyers).toBeGreaterThanOrEqual(88);
    expect(surging[0]!.hostOnly?.boundedDistinctBuyers).toBeGreaterThan(0);
    expect(windowsTaken).toBeGreaterThanOrEqual(0);
    expect(windowsTaken).toBeLessThanOrEqual(1);
    expect(triggers.filter((trigger) => !surging.includes(trigger))).toEqual([]);
    expect(new Set(triggers.map((trigger) => trigger.triggerId)).size).toBe(triggers.length);
    // 15-30 s alone; the whole suite on a loaded machine has taken over 60 s (its own waits allow 100 s).
  }, 180_000);
});
