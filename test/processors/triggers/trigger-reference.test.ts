import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MS, partitionForKey, tumblingWindow } from '../../../processors/runtime/index.ts';
import {
  DEMAND_TOPIC,
  createDemandRepartitioner,
  createTriggerProcessor,
} from '../../../processors/triggers/index.ts';
import type { DemandRecord } from '../../../processors/triggers/index.ts';
import { TOPICS } from '../../../schema/topics.ts';
import type { CleanEvent, Trigger } from '../../../schema/topics.ts';
import { openTask, recordsOf, tempDir } from '../runtime/task-fixtures.ts';
import { purchase } from '../segments/clean-events.ts';

const SOURCES = 3;
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('triggers: per-partition partials add up to a brute-force count per category, region and window', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('holds for random purchases over several input partitions, whatever order their outputs interleave in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            subject: fc.integer({ min: 0, max: 12 }),
            category: fc.constantFrom('plant', 'soda'),
            region: fc.constantFrom('west', 'east'),
            minute: fc.integer({ min: 0, max: 6 * 60 }),
            quantity: fc.integer({ min: 1, max: 3 }),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (specs, interleaving) => {
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
          // Stage 1 per source; the last record pushes every source's watermark past the 6-hour span.
          const outputsBySource = perSource.map((sourceEvents, source) => {
            const stage1 = openTask(
              `${temp.dir}/s1`,
              createDemandRepartitioner({ inputPartitions: SOURCES, demandPartitions: 1 }),
              { maxOutOfOrdernessMs: 0 },
              source,
            );
            cleanups.unshift(stage1.close);
            const tick = purchase(`tick-${source}`, `tick-${source}`, T0 + 8 * MS.hour, { category: 'none' });
            const values = [...sourceEvents, tick];
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
          const stage2 = openTask(
            `${temp.dir}/s2`,
            createTriggerProcessor({ minDistinctBuyers: 0, liftThreshold: 0, warmupWindows: 0 }),
            { maxOutOfOrdernessMs: 0 },
          );
          cleanups.unshift(stage2.close);
          stage2.task.processBatch({
            topic: DEMAND_TOPIC,
            partition: 0,
            records: recordsOf(
              DEMAND_TOPIC,
              0,
              merged.map((value) => ({
                key: value.kind === 'partial' ? `${value.category}|${value.region}` : null,
                value,
              })),
            ),
          });
          // With every threshold at zero, every judged window fires: its observed units and buyers.
          const judged = Object.fromEntries(
            stage2.drain().map((entry) => {
              const trigger = JSON.parse(entry.value) as Trigger;
              return [
                `${trigger.category}|${trigger.region}|${trigger.windowStart}`,
                [trigger.observed, trigger.distinctBuyers],
              ];
            }),
          );
          const expected: Record<string, [number, number]> = {};
          const buyers = new Map<string, Set<string>>();
          for (const event of events) {
            if (event.type !== 'purchase') continue;
            const key = `${event.items[0]!.category}|${event.region}|${new Date(tumblingWindow(Date.parse(event.occurredAt), MS.hour).start).toISOString()}`;
            const entry = (expected[key] ??= [0, 0]);
            entry[0] += event.items[0]!.quantity;
            const set = buyers.get(key) ?? new Set<string>();
            set.add(event.subjectId!);
            buyers.set(key, set);
            entry[1] = set.size;
          }
          expect(judged).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });
});
