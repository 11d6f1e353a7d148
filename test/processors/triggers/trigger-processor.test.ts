import { afterEach, describe, expect, it } from 'vitest';
import { MS } from '../../../processors/runtime/index.ts';
import type { OutboxEntry } from '../../../processors/runtime/index.ts';
import {
  DEMAND_TOPIC,
  createDemandRepartitioner,
  createTriggerMechanism,
  createTriggerProcessor,
  demandKey,
} from '../../../processors/triggers/index.ts';
import type {
  DemandPartial,
  DemandRecord,
  TriggerOptions,
  WindowClosed,
} from '../../../processors/triggers/index.ts';
import { TOPICS, triggerSchema } from '../../../schema/topics.ts';
import type { CleanEvent, Trigger } from '../../../schema/topics.ts';
import { openTask, recordsOf, tempDir } from '../runtime/task-fixtures.ts';
import { productView, purchase } from '../segments/clean-events.ts';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const at = (hour: number, minute = 0): number => T0 + hour * MS.hour + minute * MS.minute;
const iso = (t: number): string => new Date(t).toISOString();
const NOISE_KEY = new Uint8Array(32).fill(5);

const partial = (
  category: string,
  hour: number,
  source: number,
  units: number,
  buyers: number,
): DemandPartial => ({
  kind: 'partial',
  partialId: `partial:${iso(at(hour))}:${category}|west:${source}`,
  windowStart: iso(at(hour)),
  category,
  region: 'west',
  source,
  boundedUnits: units,
  boundedBuyers: buyers,
  exactUnits: units + 1,
  exactBuyers: buyers,
});
const closed = (hour: number, source: number): WindowClosed => ({
  kind: 'closed',
  markerId: `closed:${iso(at(hour))}:${source}:0`,
  windowStart: iso(at(hour)),
  source,
  sources: 2,
});
const keyOf = (record: DemandRecord): string | null =>
  record.kind === 'partial' ? demandKey(record.category, record.region) : null;

describe('triggers (hand-worked)', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  const open = <In>(processor: Parameters<typeof openTask<In>>[1]) => {
    const temp = tempDir('triggers-');
    const opened = openTask(temp.dir, processor, { maxOutOfOrdernessMs: 5 * MS.minute });
    cleanups.push(() => {
      opened.close();
      temp.cleanup();
    });
    return opened;
  };

  const stage2 = (options: TriggerOptions, noiseKey: Uint8Array = NOISE_KEY) => {
    const { task, drain } = open(createTriggerProcessor({ ...options, noiseKey }));
    let offset = 0;
    const feed = (records: DemandRecord[]): OutboxEntry[] => {
      const batch = recordsOf(
        DEMAND_TOPIC,
        0,
        records.map((value) => ({ key: keyOf(value), value })),
        offset,
      );
      offset += batch.length;
      task.processBatch({ topic: DEMAND_TOPIC, partition: 0, records: batch });
      return drain();
    };
    return { task, feed };
  };

  // A generous epsilon keeps the noise to a unit or two, so the story below reads as it would without noise;
  // the expected values are still computed from the same keyed draws, independently of the processor.
  const SETTINGS = {
    epsilon: 40,
    minDistinctBuyers: 3,
    ewmaAlpha: 0.5,
    warmupWindows: 3,
    liftThreshold: 2,
  } satisfies TriggerOptions;

  /** Plant units per hour 0..3: 8, 8, 12, 24 (half from each source); hour 5: 16 units from 2 buyers only. */
  function plantStory(): DemandRecord[] {
    const inputs: DemandRecord[] = [];
    [8, 8, 12, 24].forEach((units, hour) => {
      inputs.push(partial('plant', hour, 0, units / 2, 3), partial('plant', hour, 1, units / 2, 3));
      inputs.push(partial('soda', hour, 0, 2, 2), partial('soda', hour, 1, 2, 2));
    });
    inputs.push(partial('plant', 3, 1, 10, 2)); // a re-sent partial (same id): counted once
    inputs.push(partial('plant', 5, 0, 16, 2), partial('plant', 6, 1, 1, 1));
    // Source 0 closes everything first (its first marker reports hour -2): nothing is judged yet.
    for (let hour = -2; hour <= 6; hour += 1) inputs.push(closed(hour, 0));
    return inputs;
  }

  it('stage 2 judges windows once every source closed them, on noised units and buyers only', () => {
    const { task, feed } = stage2(SETTINGS);
    expect(feed(plantStory())).toEqual([]);
    const outputs = feed([-2, -1, 0, 1, 2, 3, 4, 5, 6].map((hour) => closed(hour, 1)));

    // The reference: the first completion is hour -2, so the stream may start in hour -1 (left out as partial)
    // and the history starts at hour 0; every hour from then on enters the baseline with its noised units, hour
    // 4 (no demand) with its noise alone.
    const mechanism = createTriggerMechanism(NOISE_KEY, SETTINGS);
    const key = 'plant|west';
    const bounded = new Map([
      [0, [8, 6]],
      [1, [8, 6]],
      [2, [12, 6]],
      [3, [24, 6]],
      [5, [16, 2]],
      [6, [1, 1]],
    ]);
    let ewma: number | null = null;
    const expected: Trigger[] = [];
    for (let hour = 0; hour <= 6; hour += 1) {
      const [units = 0, buyers = 0] = bounded.get(hour) ?? [];
      const observed = mechanism.noisedUnits(key, at(hour), units);
      if (bounded.has(hour)) {
        const distinctBuyers = mechanism.noisedBuyers(key, at(hour), buyers);
        const floor = Math.max(ewma ?? 0, 1);
        if (hour >= 3 && observed >= 2 * floor && distinctBuyers >= mechanism.parameters.buyerThreshold) {
          expected.push({
            triggerId: `trigger:plant:west:${iso(at(hour))}`,
            category: 'plant',
            region: 'west',
            windowStart: iso(at(hour)),
            windowEnd: iso(at(hour + 1)),
            lift: Math.round((observed / floor) * 1000) / 1000,
            baseline: Math.round((ewma ?? 0) * 1000) / 1000,
            observed,
            distinctBuyers,
            mechanism: mechanism.parameters,
            hostOnly: {
              units: units + 2,
              distinctBuyers: buyers,
              boundedUnits: units,
              boundedDistinctBuyers: buyers,
            },
          });
        }
      }
      ewma = ewma === null ? observed : 0.5 * observed + 0.5 * ewma;
    }
    // Hour 3 (about 24 units against a baseline near 10, 6 buyers) fires; hour 5 (16 units, 2 buyers) does not.
    expect(expected.map((trigger) => trigger.windowStart)).toEqual([iso(at(3))]);
    const triggers = outputs.map((entry) => triggerSchema.parse(JSON.parse(entry.value)));
    expect(triggers).toEqual(expected);
    expect(mechanism.parameters).toMatchObject({
      epsilon: 40,
      unitsEpsilon: 20,
      buyersEpsilon: 20,
      unitsSensitivity: 15,
      buyersSensitivity: 3,
      // max(k = 3, partition selection: 1 + ceil(0.15 x (ln(3 / 1e-6) - ln(1 + e^(-1/0.15)))) + 1 = 5)
      buyerThreshold: 5,
    });

    expect(task.store.get('plant|west', 'lastJudgement')).toMatchObject({
      windowStart: at(6),
      historyWindows: 6,
    });
    expect(task.store.get('plant|west', 'baseline')).toMatchObject({ foldedUpTo: at(6) });
    // A partial re-sent after its window was judged is ignored; no window rows are left behind.
    expect(feed([partial('plant', 3, 0, 100, 100), closed(6, 1)])).toEqual([]);
    expect(task.store.names('plant|west').filter((name) => /^(seen|window):/.test(name))).toEqual([]);
  });

  it('releases the same values on a replay with the same key, and other values under another key', () => {
    const settings = { ...SETTINGS, epsilon: 1, minDistinctBuyers: 1, liftThreshold: 0, warmupWindows: 0 };
    const run = (noiseKey: Uint8Array) => {
      const { feed } = stage2(settings, noiseKey);
      // Two hundred buyers an hour: far above partition selection's threshold at epsilon 1.
      const inputs: DemandRecord[] = [0, 1, 2].map((hour) => partial('plant', hour, 0, 400, 200));
      for (const hour of [-1, 0, 1, 2]) inputs.push(closed(hour, 0), closed(hour, 1));
      return feed(inputs).map((entry) => JSON.parse(entry.value) as Trigger);
    };
    const first = run(NOISE_KEY);
    expect(first.length).toBeGreaterThan(0);
    expect(run(NOISE_KEY)).toEqual(first);
    const other = run(new Uint8Array(32).fill(6));
    expect(other.map((trigger) => [trigger.observed, trigger.distinctBuyers])).not.toEqual(
      first.map((trigger) => [trigger.observed, trigger.distinctBuyers]),
    );
  });

  it('never lets state written before the release was private (exact totals, an exact EWMA) reach a trigger', () => {
    const settings = { ...SETTINGS, epsilon: 40, minDistinctBuyers: 1, warmupWindows: 0 };
    const { task, feed } = stage2(settings);
    // What the previous version kept: an EWMA of exact units (huge, so it would block any trigger) and a window
    // of exact totals with no clamped figures.
    task.store.transaction(() => {
      task.store.put('plant|west', 'baseline', { ewma: 1_000_000, windows: 12, lastClosedStart: at(-3) });
      task.store.put('plant|west', `window:${String(at(0)).padStart(16, '0')}`, { units: 500, buyers: 300 });
      task.store.put('\u0000trigger-progress', `open:${String(at(0)).padStart(16, '0')}:plant|west`, 1);
    });
    const inputs: DemandRecord[] = [partial('plant', 1, 0, 90, 30)];
    for (const hour of [-2, -1, 0, 1]) inputs.push(closed(hour, 0), closed(hour, 1));
    const triggers = feed(inputs).map((entry) => triggerSchema.parse(JSON.parse(entry.value)));
    // Hour 0's exact totals count as no clamped demand (its units are noise only); the old EWMA is gone.
    const mechanism = createTriggerMechanism(NOISE_KEY, settings);
    const hour0 = mechanism.noisedUnits('plant|west', at(0), 0);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({
      windowStart: iso(at(1)),
      observed: mechanism.noisedUnits('plant|west', at(1), 90),
      baseline: Math.round(hour0 * 1000) / 1000,
      hostOnly: { units: 91, boundedUnits: 90 },
    });
    // The old window was judged (and removed), not left aside.
    expect(task.store.names('plant|west').filter((name) => name.startsWith('window:'))).toEqual([]);
  });

  it('stage 1 clamps each buyer to its first categories and a unit cap, and keeps the exact figures beside', () => {
    const { task, drain } = open(
      createDemandRepartitioner({
        inputPartitions: 4,
        demandPartitions: 2,
        maxUnitsPerBuyer: 5,
        maxCategoriesPerBuyer: 3,
      }),
    );
    const basket = purchase('o3', 's2', at(0, 30), { category: 'plant' });
    if (basket.type !== 'purchase') throw new Error('unreachable');
    basket.items.push({ sku: 'y', category: 'soda', brand: 'b', quantity: -1, unitPrice: 1 });
    const values: CleanEvent[] = [
      purchase('o1', 's1', at(0, 5), { category: 'plant', quantity: 4 }),
      purchase('o1', 's1', at(0, 5), { category: 'plant', quantity: 4 }), // repeated eventId
      purchase('o2', 's1', at(0, 20), { category: 'plant', quantity: 3 }), // same buyer: 7 units, clamped to 5
      basket, // plant x1, and a soda return (not demand)
      purchase('o4', null, at(0, 31), { category: 'plant' }), // anonymous
      purchase('o5', 's3', at(0, 32), { category: 'plant' }, { measurement: false }),
      purchase('o8', 's1', at(0, 40), { category: 'bread' }),
      purchase('o6', 's4', at(0, 41), { category: 'soda', quantity: 3 }, { region: 'east' }),
      // s1's cells by purchase time: plant, bread, soda (arriving after milk, within the out-of-orderness), milk.
      // The first three are kept; milk, its fourth, is dropped.
      purchase('o7', 's1', at(0, 50), { category: 'milk' }),
      purchase('o9', 's1', at(0, 47), { category: 'soda', quantity: 2 }),
      productView('v1', 's5', at(1, 6), 'tv'), // watermark 11:01: closes 10:00-11:00
      productView('v2', 's6', at(3, 10), 'tv'), // watermark 13:05: closes 11:00 and 12:00 (empty)
    ];
    task.processBatch({
      topic: TOPICS.events,
      partition: 3,
      records: recordsOf(
        TOPICS.events,
        3,
        values.map((value) => ({ key: value.subjectId ?? value.eventId, value })),
      ),
    });
    const outputs = drain().map((entry) => ({
      key: entry.key,
      partition: entry.partition,
      value: JSON.parse(entry.value) as DemandRecord,
    }));
    const marker = (hour: number, partition: number) => ({
      key: null,
      partition,
      value: { ...closed(hour, 0), sources: 4, markerId: `closed:${iso(at(hour))}:0:${partition}` },
    });
    const cell = (
      category: string,
      region: string,
      totals: Pick<DemandPartial, 'boundedUnits' | 'boundedBuyers' | 'exactUnits' | 'exactBuyers'>,
    ) => ({
      key: `${category}|${region}`,
      partition: null,
      value: {
        kind: 'partial',
        partialId: `partial:${iso(at(0))}:${category}|${region}:0`,
        windowStart: iso(at(0)),
        category,
        region,
        source: 0,
        ...totals,
      },
    });
    expect(outputs).toEqual([
      // The first record (watermark 10:00) reports at once that nothing before 10:00 is coming.
      marker(-1, 0),
      marker(-1, 1),
      // Watermark 11:01: the 10:00 window closes, cells in key order.
      cell('bread', 'west', { boundedUnits: 1, boundedBuyers: 1, exactUnits: 1, exactBuyers: 1 }),
      cell('milk', 'west', { boundedUnits: 0, boundedBuyers: 0, exactUnits: 1, exactBuyers: 1 }), // dropped
      cell('plant', 'west', { boundedUnits: 6, boundedBuyers: 2, exactUnits: 8, exactBuyers: 2 }),
      cell('soda', 'east', { boundedUnits: 3, boundedBuyers: 1, exactUnits: 3, exactBuyers: 1 }),
      cell('soda', 'west', { boundedUnits: 2, boundedBuyers: 1, exactUnits: 2, exactBuyers: 1 }),
      marker(0, 0),
      marker(0, 1),
      // Watermark 13:05: 11:00 and 12:00 are both due; one marker covers them.
      marker(2, 0),
      marker(2, 1),
    ]);
    // Nothing of the closed window is left in state.
    expect(task.store.names('\u0000demand-windows').filter((name) => /^(buyer|seen):/.test(name))).toEqual(
      [],
    );
  });
});
