/**
 * Reference test of both stages: random purchases over three input partitions, stage 1 per partition, the
 * partitions' outputs interleaved in any order, stage 2 over the result. The triggers must equal a brute force
 * written independently of the stages: per buyer and hour its first `maxCategoriesPerBuyer` cells by purchase
 * time with at most `maxUnitsPerBuyer` units each, summed per cell; then, from the history start on, noised units
 * and buyers (the same keyed draws: the mechanism is the one shared part), an EWMA of noised units that takes in
 * every hour (noise alone where a key had no demand), and the firing rule.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MS, partitionForKey, tumblingWindow } from '../../../processors/runtime/index.ts';
import {
  DEMAND_TOPIC,
  createDemandRepartitioner,
  createTriggerMechanism,
  createTriggerProcessor,
} from '../../../processors/triggers/index.ts';
import type { DemandRecord } from '../../../processors/triggers/index.ts';
import { TOPICS } from '../../../schema/topics.ts';
import type { CleanEvent, Trigger } from '../../../schema/topics.ts';
import { openTask, recordsOf, tempDir } from '../runtime/task-fixtures.ts';
import { productView, purchase } from '../segments/clean-events.ts';

const SOURCES = 3;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const NOISE_KEY = new Uint8Array(32).fill(11);
const MAX_UNITS = 4;
const MAX_CATEGORIES = 2;
// A large epsilon keeps noise small so both outcomes of the firing rule come up; the draws are what they are.
const SETTINGS = {
  epsilon: 100,
  minDistinctBuyers: 1,
  liftThreshold: 1,
  warmupWindows: 1,
  ewmaAlpha: 0.3,
  minBaseline: 1,
  maxUnitsPerBuyer: MAX_UNITS,
  maxCategoriesPerBuyer: MAX_CATEGORIES,
};

interface Spec {
  subject: number;
  category: string;
  region: string;
  minute: number;
  quantity: number;
}

/** Brute force: the triggers the two stages must publish for these purchases. */
function reference(events: CleanEvent[]): Trigger[] {
  // Per window and buyer: per cell its units and its first purchase (time, event id).
  const buyers = new Map<string, Map<string, { units: number; first: [number, string] }>>();
  for (const event of events) {
    if (event.type !== 'purchase') continue;
    const at = Date.parse(event.occurredAt);
    const window = tumblingWindow(at, MS.hour).start;
    const cells = buyers.get(`${window}|${event.subjectId}`) ?? new Map();
    buyers.set(`${window}|${event.subjectId}`, cells);
    for (const item of event.items) {
      const key = `${item.category}|${event.region}`;
      const cell = cells.get(key) ?? { units: 0, first: [at, event.eventId] };
      cell.units += item.quantity;
      if (at < cell.first[0] || (at === cell.first[0] && event.eventId < cell.first[1]))
        cell.first = [at, event.eventId];
      cells.set(key, cell);
    }
  }
  // Per key and window: bounded and exact sums.
  const totals = new Map<string, Map<number, { bu: number; bb: number; eu: number; eb: number }>>();
  for (const [windowBuyer, cells] of buyers) {
    const window = Number(windowBuyer.split('|')[0]);
    const ordered = [...cells.entries()].sort(([ka, a], [kb, b]) =>
      a.first[0] !== b.first[0]
        ? a.first[0] - b.first[0]
        : a.first[1] !== b.first[1]
          ? a.first[1].localeCompare(b.first[1])
          : ka.localeCompare(kb),
    );
    ordered.forEach(([key, cell], rank) => {
      const byWindow = totals.get(key) ?? new Map();
      totals.set(key, byWindow);
      const sums = byWindow.get(window) ?? { bu: 0, bb: 0, eu: 0, eb: 0 };
      sums.eu += cell.units;
      sums.eb += 1;
      if (rank < MAX_CATEGORIES) {
        sums.bu += Math.min(MAX_UNITS, cell.units);
        sums.bb += 1;
      }
      byWindow.set(window, sums);
    });
  }
  const mechanism = createTriggerMechanism(NOISE_KEY, SETTINGS);
  const triggers: Trigger[] = [];
  // Every source's first record is at T0, so every first marker says "closed up to T0 - 1h": the stream starts in
  // the hour from T0 (left out as possibly partial) and the history at T0 + 1h.
  const historyStart = T0 + MS.hour;
  for (const [key, byWindow] of [...totals.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const judged = [...byWindow.keys()];
    let ewma: number | null = null;
    for (let window = historyStart; window <= Math.max(...judged); window += MS.hour) {
      const sums = byWindow.get(window);
      const observed = mechanism.noisedUnits(key, window, sums?.bu ?? 0);
      if (sums !== undefined) {
        const distinctBuyers = mechanism.noisedBuyers(key, window, sums.bb);
        const floor = Math.max(ewma ?? 0, SETTINGS.minBaseline);
        const history = (window - historyStart) / MS.hour;
        if (
          history >= SETTINGS.warmupWindows &&
          observed >= SETTINGS.liftThreshold * floor &&
          distinctBuyers >= mechanism.parameters.buyerThreshold
        ) {
          const [category = '', region = ''] = key.split('|');
          triggers.push({
            triggerId: `trigger:${category}:${region}:${new Date(window).toISOString()}`,
            category,
            region,
            windowStart: new Date(window).toISOString(),
            windowEnd: new Date(window + MS.hour).toISOString(),
            lift: Math.round((observed / floor) * 1000) / 1000,
            baseline: Math.round((ewma ?? 0) * 1000) / 1000,
            observed,
            distinctBuyers,
            mechanism: mechanism.parameters,
            hostOnly: {
              units: sums.eu,
              distinctBuyers: sums.eb,
              boundedUnits: sums.bu,
              boundedDistinctBuyers: sums.bb,
            },
          });
        }
      }
      ewma = ewma === null ? observed : SETTINGS.ewmaAlpha * observed + (1 - SETTINGS.ewmaAlpha) * ewma;
    }
  }
  return triggers;
}

describe('triggers: both stages equal a brute force per category, region and window', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('holds for random purchases over several input partitions, whatever order their outputs interleave in', () => {
    let fired = 0;
    let judgedWithoutFiring = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            subject: fc.integer({ min: 0, max: 25 }),
            category: fc.constantFrom('plant', 'soda', 'bread'),
            region: fc.constantFrom('west', 'east'),
            minute: fc.integer({ min: 0, max: 6 * 60 }),
            quantity: fc.integer({ min: 1, max: 3 }),
          }),
          { minLength: 150, maxLength: 250 },
        ),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (specs: Spec[], interleaving) => {
          const temp = tempDir('trigger-ref-');
          cleanups.push(temp.cleanup);
          // Each input partition sees its subjects' purchases in time order (no lateness to model).
          const events = specs
            .map((spec, index) =>
              purchase(
                `e${index}`,
                `s${spec.subject}`,
                T0 + spec.minute * MS.minute,
                { category: spec.category, quantity: spec.quantity },
                { region: spec.region },
              ),
            )
            .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
          const perSource = Array.from({ length: SOURCES }, () => [] as CleanEvent[]);
          for (const event of events) perSource[partitionForKey(event.subjectId!, SOURCES)]!.push(event);
          // Stage 1 per source; a first record at T0 starts every source's time, the last pushes the watermark
          // past the 6-hour span.
          const outputsBySource = perSource.map((sourceEvents, source) => {
            const stage1 = openTask(
              `${temp.dir}/s1`,
              createDemandRepartitioner({
                inputPartitions: SOURCES,
                demandPartitions: 1,
                maxUnitsPerBuyer: MAX_UNITS,
                maxCategoriesPerBuyer: MAX_CATEGORIES,
              }),
              { maxOutOfOrdernessMs: 0 },
              source,
            );
            cleanups.unshift(stage1.close);
            const start = productView(`start-${source}`, `start-${source}`, T0, 'tv');
            const tick = productView(`tick-${source}`, `tick-${source}`, T0 + 8 * MS.hour, 'tv');
            const values = [start, ...sourceEvents, tick];
            stage1.task.processBatch({
              topic: TOPICS.events,
              partition: source,
              records: recordsOf(
                TOPICS.events,
                source,
                values.map((value) => ({ key: value.subjectId, value })),
              ),
            });
            return stage1.drain().map((entry) => JSON.parse(entry.value) as DemandRecord);
          });
          // Interleave the sources' outputs (each source's own order kept), as the demand topic may.
          const merged: DemandRecord[] = [];
          const cursors = outputsBySource.map(() => 0);
          const total = outputsBySource.flat().length;
          for (let step = 0; merged.length < total; step += 1) {
            // The generated choice, or the next source that still has outputs.
            let source = (interleaving[step % interleaving.length]! + step) % SOURCES;
            while (cursors[source]! >= outputsBySource[source]!.length) source = (source + 1) % SOURCES;
            merged.push(outputsBySource[source]![cursors[source]!]!);
            cursors[source]! += 1;
          }
          const demand = recordsOf(
            DEMAND_TOPIC,
            0,
            merged.map((value) => ({
              key: value.kind === 'partial' ? `${value.category}|${value.region}` : null,
              value,
            })),
          );
          const stage2 = openTask(
            `${temp.dir}/s2`,
            createTriggerProcessor({ ...SETTINGS, noiseKey: NOISE_KEY }),
            { maxOutOfOrdernessMs: 0 },
          );
          cleanups.unshift(stage2.close);
          stage2.task.processBatch({ topic: DEMAND_TOPIC, partition: 0, records: demand });
          const outputs = stage2.drain().map((entry) => entry.value);
          const actual = outputs.map((value) => JSON.parse(value) as Trigger);

          // A replay is exact: the same input in other batches, the state reopened from its file between them
          // (as after a restart), releases the same triggers, value for value.
          const cut = (interleaving[0]! % demand.length) + 1;
          let replayed: string[] = [];
          for (const records of [demand.slice(0, cut), demand.slice(cut)]) {
            if (records.length === 0) continue;
            const reopened = openTask(
              `${temp.dir}/s2-replay`,
              createTriggerProcessor({ ...SETTINGS, noiseKey: NOISE_KEY }),
              { maxOutOfOrdernessMs: 0 },
            );
            reopened.task.processBatch({ topic: DEMAND_TOPIC, partition: 0, records });
            replayed = [...replayed, ...reopened.drain().map((entry) => entry.value)];
            reopened.close();
          }
          expect(replayed).toEqual(outputs);
          const expected = reference(events);
          const byId = (a: Trigger, b: Trigger) => a.triggerId.localeCompare(b.triggerId);
          expect(actual.sort(byId)).toEqual(expected.sort(byId));
          fired += actual.length;
          const judged = new Set(
            merged.flatMap((record) =>
              record.kind === 'partial' ? [`${record.category}|${record.region}|${record.windowStart}`] : [],
            ),
          );
          judgedWithoutFiring += [...judged].filter(
            (cell) => !cell.endsWith(new Date(T0).toISOString()),
          ).length;
          judgedWithoutFiring -= actual.length;
        },
      ),
      { numRuns: 25, seed: 20260318 },
    );
    // The rule went both ways over the runs (the check compares outcomes, not just empty lists).
    expect(fired).toBeGreaterThan(20);
    expect(judgedWithoutFiring).toBeGreaterThan(20);
  });
});
