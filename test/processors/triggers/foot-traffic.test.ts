/**
 * The foot-traffic trigger's parts, worked by hand: stage 1 clamps each sensor record before summing and ignores
 * everything but sensor counts; the mechanism's integer noise is keyed per region-window with the threshold its
 * header derives; the judge compares a window with the same hour of earlier days, not with the hour before; and
 * whether a window fires moves by at most e^epsilon (+ delta) when one record of the clamp's size joins it.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { discreteLaplaceUpperTail } from '../../../policies/privacy/index.ts';
import { MS } from '../../../processors/runtime/index.ts';
import {
  EMPTY_SEASONAL_BASELINE,
  FOOT_TRAFFIC_TOPIC,
  createFootTrafficMechanism,
  createFootTrafficRepartitioner,
  footTrafficEntryThreshold,
  judgeFootTrafficWindow,
} from '../../../processors/triggers/index.ts';
import type {
  DemandPartial,
  FootTrafficJudgeSettings,
  FootTrafficMechanism,
  SeasonalBaseline,
} from '../../../processors/triggers/index.ts';
import { TOPICS } from '../../../schema/topics.ts';
import type { InstoreCleanEvent } from '../../../schema/topics.ts';
import { openTask, recordsOf, tempDir } from '../runtime/task-fixtures.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();
const NOISE_KEY = new Uint8Array(32).fill(9);

const sensor = (id: string, region: string, at: number, count: number): InstoreCleanEvent => ({
  kind: 'foot_traffic',
  eventId: `retail.instore:${id}`,
  occurredAt: iso(at),
  storeId: `store-${region}-01`,
  region,
  zone: 'entrance',
  windowSeconds: 900,
  count,
});

describe('foot-traffic stage 1 (clamped sums per region and window)', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('clamps each record to maxEntriesPerRecord, counts a repeated record once and ignores zone entries', () => {
    const temp = tempDir('foot-traffic-');
    const { task, drain, close } = openTask(
      temp.dir,
      createFootTrafficRepartitioner({ inputPartitions: 1, demandPartitions: 1, maxEntriesPerRecord: 100 }),
      { maxOutOfOrdernessMs: 0 },
    );
    cleanups.push(() => {
      close();
      temp.cleanup();
    });
    const values: InstoreCleanEvent[] = [
      sensor('a', 'west', T0 + 10 * MS.minute, 40),
      sensor('b', 'west', T0 + 20 * MS.minute, 250), // clamped to 100
      sensor('b', 'west', T0 + 20 * MS.minute, 250), // the same eventId again: once
      sensor('c', 'east', T0 + 30 * MS.minute, 7),
      {
        kind: 'zone_entry',
        eventId: 'retail.instore:z',
        occurredAt: iso(T0 + 40 * MS.minute),
        storeId: 'store-west-01',
        region: 'west',
        zone: 'dairy',
        entryId: 'z',
        subjectId: 'subject-1',
        consent: { measurement: true, personalization: true, partnerSharing: true },
      },
      // Moves the watermark past the first hour, which closes it.
      sensor('d', 'west', T0 + MS.hour + 5 * MS.minute, 1),
    ];
    task.processBatch({
      topic: TOPICS.instore,
      partition: 0,
      records: recordsOf(
        TOPICS.instore,
        0,
        values.map((value) => ({ key: value.storeId, value })),
      ),
    });
    const partials = drain()
      .filter((entry) => entry.topic === FOOT_TRAFFIC_TOPIC)
      .map((entry) => JSON.parse(entry.value) as DemandPartial | { kind: 'closed' })
      .filter((record): record is DemandPartial => record.kind === 'partial');
    expect(
      partials.map(({ category, region, boundedUnits, boundedBuyers, exactUnits, exactBuyers }) => ({
        category,
        region,
        boundedUnits,
        boundedBuyers,
        exactUnits,
        exactBuyers,
      })),
    ).toEqual([
      // "Buyers" of a foot-traffic cell are its sensor records.
      {
        category: 'foot_traffic',
        region: 'east',
        boundedUnits: 7,
        boundedBuyers: 1,
        exactUnits: 7,
        exactBuyers: 1,
      },
      {
        category: 'foot_traffic',
        region: 'west',
        boundedUnits: 140,
        boundedBuyers: 2,
        exactUnits: 290,
        exactBuyers: 2,
      },
    ]);
    expect(partials.every((partial) => partial.windowStart === iso(T0))).toBe(true);
  });
});

describe('foot-traffic mechanism', () => {
  it('draws integer noise of scale maxEntriesPerRecord / epsilon, the same for a replay, keyed per cell', () => {
    const mechanism = createFootTrafficMechanism(NOISE_KEY);
    expect(mechanism.parameters).toEqual({
      epsilon: 1,
      maxEntriesPerRecord: 100,
      delta: 1e-6,
      entryThreshold: 1_414,
    });
    const first = mechanism.noisedEntries('foot_traffic|west', T0, 2_000);
    expect(Number.isInteger(first)).toBe(true);
    expect(createFootTrafficMechanism(NOISE_KEY).noisedEntries('foot_traffic|west', T0, 2_000)).toBe(first);
    // Another key, cell or window draws independently (with scale 100 a repeat of the same value is rare).
    const others = [
      createFootTrafficMechanism(randomBytes(32)).noisedEntries('foot_traffic|west', T0, 2_000),
      mechanism.noisedEntries('foot_traffic|east', T0, 2_000),
      mechanism.noisedEntries('foot_traffic|west', T0 + MS.hour, 2_000),
    ];
    expect(others.filter((value) => value === first).length).toBeLessThan(3);
  });

  it('sets the entry threshold so that one record of the clamp size passes with probability at most delta', () => {
    const threshold = footTrafficEntryThreshold(1, 1e-6, 100);
    expect(threshold).toBe(1_414);
    // One record adds at most 100: the noise must reach threshold - 100.
    expect(discreteLaplaceUpperTail(100, threshold - 100)).toBeLessThanOrEqual(1e-6);
    expect(discreteLaplaceUpperTail(100, threshold - 100 - 3)).toBeGreaterThan(0.9e-6);
    // The host's k floor applies when it is the higher bar.
    expect(createFootTrafficMechanism(NOISE_KEY, { minEntries: 5_000 }).parameters.entryThreshold).toBe(
      5_000,
    );
  });
});

const HOUR = MS.hour;
const JUDGE: FootTrafficJudgeSettings = {
  windowMs: HOUR,
  liftThreshold: 1.5,
  ewmaAlpha: 0.3,
  seasonWindows: 24,
  warmupWindows: 48,
  minBaseline: 1,
};

/** A day of entries: quiet nights (200), 2,000 in the daytime (hours 8-19). */
const ordinaryDay = (hour: number): number => (hour >= 8 && hour < 20 ? 2_000 : 200);

/** Judges hours 0..(days x 24 - 1) with `entriesAt`, returning each hour's judgement. */
function run(days: number, entriesAt: (hour: number) => number, mechanism: FootTrafficMechanism) {
  let baseline: SeasonalBaseline = EMPTY_SEASONAL_BASELINE;
  const fired: number[] = [];
  for (let hour = 0; hour < days * 24; hour += 1) {
    const result = judgeFootTrafficWindow(
      {
        key: 'foot_traffic|west',
        windowStart: T0 + hour * HOUR,
        boundedEntries: entriesAt(hour),
        baseline,
        historyStart: T0,
      },
      JUDGE,
      mechanism,
    );
    baseline = result.baseline;
    if (result.judgement?.fired === true) fired.push(hour);
  }
  return { fired, baseline };
}

describe('foot-traffic judge (the same hour of earlier days)', () => {
  it('does not fire on the morning ramp from the quiet night, and fires on a 2x lunchtime hour after warm-up', () => {
    const mechanism = createFootTrafficMechanism(NOISE_KEY);
    // Every morning 8:00 is 10x the hour before; an EWMA of the previous hours would fire each day.
    expect(run(5, (hour) => ordinaryDay(hour % 24), mechanism).fired).toEqual([]);
    // A 2x surge at 12:00 on day 4 (hour 84) fires; the same on day 2 (hour 36) is inside the warm-up.
    const surges = new Set([36, 84]);
    const entries = (hour: number): number => ordinaryDay(hour % 24) * (surges.has(hour) ? 2 : 1);
    expect(run(5, entries, mechanism).fired).toEqual([84]);
  });

  it('keeps one EWMA per hour of the day, of released values only', () => {
    const mechanism = createFootTrafficMechanism(NOISE_KEY);
    const { baseline } = run(3, (hour) => ordinaryDay(hour % 24), mechanism);
    expect(Object.keys(baseline.ewmaBySlot)).toHaveLength(24);
    // Hour 12's EWMA over three days, from the keyed draws alone.
    const draws = [12, 36, 60].map((hour) =>
      mechanism.noisedEntries('foot_traffic|west', T0 + hour * HOUR, 2_000),
    );
    const expected = draws.slice(1).reduce((ewma, value) => 0.3 * value + 0.7 * ewma, draws[0]!);
    expect(baseline.ewmaBySlot['12']).toBeCloseTo(expected, 9);
    expect(baseline.ewmaBySlot['3']).toBeLessThan(600);
  });
});

const RUNS = 2_000;
const MARGIN = Math.sqrt(Math.log(2 / 1e-6) / (2 * RUNS));

describe('foot-traffic firing is differentially private for one sensor record (statistical, fresh keys)', () => {
  /** A two-window season keeps each run short; the mechanism and the rule are the stage's own. */
  const SHORT: FootTrafficJudgeSettings = { ...JUDGE, seasonWindows: 2, warmupWindows: 4 };

  /** How often window 4 fires with `entries` after windows 0 and 2 (its slot) held 1,000, over fresh keys. */
  function firingRate(entries: number): number {
    let fired = 0;
    for (let index = 0; index < RUNS; index += 1) {
      const mechanism = createFootTrafficMechanism(randomBytes(32));
      let baseline: SeasonalBaseline = EMPTY_SEASONAL_BASELINE;
      for (const window of [0, 2]) {
        baseline = judgeFootTrafficWindow(
          {
            key: 'foot_traffic|west',
            windowStart: T0 + window * HOUR,
            boundedEntries: 1_000,
            baseline,
            historyStart: T0,
          },
          SHORT,
          mechanism,
        ).baseline;
      }
      const { judgement } = judgeFootTrafficWindow(
        {
          key: 'foot_traffic|west',
          windowStart: T0 + 4 * HOUR,
          boundedEntries: entries,
          baseline,
          historyStart: T0,
        },
        SHORT,
        mechanism,
      );
      if (judgement?.fired === true) fired += 1;
    }
    return fired / RUNS;
  }

  it('changes by at most e^epsilon (+ delta) when one record of 100 entries joins the judged window', () => {
    // Below the bar (1.5 x 1,000) without the record, so that the bound e^epsilon x p' + delta stays well below 1
    // and the check could fail.
    const without = firingRate(1_370);
    const withRecord = firingRate(1_470);
    console.log(`foot-traffic privacy: p = ${withRecord}, p' = ${without}`);
    const bound = (x: number): number => Math.exp(1) * (x + MARGIN) + 1e-6 + MARGIN;
    expect(without).toBeGreaterThan(0.02);
    expect(bound(without)).toBeLessThan(0.9);
    expect(withRecord).toBeGreaterThan(without);
    expect(withRecord).toBeLessThanOrEqual(bound(without));
    expect(without).toBeLessThanOrEqual(bound(withRecord));
  });
});
