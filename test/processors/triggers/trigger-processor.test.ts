import { afterEach, describe, expect, it } from 'vitest';
import { MS } from '../../../processors/runtime/index.ts';
import type { OutboxEntry } from '../../../processors/runtime/index.ts';
import {
  DEMAND_TOPIC,
  createDemandRepartitioner,
  createTriggerProcessor,
  demandKey,
} from '../../../processors/triggers/index.ts';
import type { DemandPartial, DemandRecord, WindowClosed } from '../../../processors/triggers/index.ts';
import { TOPICS } from '../../../schema/topics.ts';
import type { CleanEvent, Trigger } from '../../../schema/topics.ts';
import { openTask, recordsOf, tempDir } from '../runtime/task-fixtures.ts';
import { productView, purchase } from '../segments/clean-events.ts';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const at = (hour: number, minute = 0): number => T0 + hour * MS.hour + minute * MS.minute;
const iso = (t: number): string => new Date(t).toISOString();

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
  units,
  distinctBuyers: buyers,
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

  it('stage 2 judges a window once every source closed it, and fires at 2x the EWMA baseline with k buyers', () => {
    const { task, drain } = open(
      createTriggerProcessor({ minDistinctBuyers: 3, ewmaAlpha: 0.5, warmupWindows: 3, liftThreshold: 2 }),
    );
    const inputs: DemandRecord[] = [];
    // Plant units per hour 0..3: 4, 4, 6, 10 (half from each source, 2 buyers each); soda flat: control.
    [4, 4, 6, 10].forEach((units, hour) => {
      inputs.push(partial('plant', hour, 0, units / 2, 2), partial('plant', hour, 1, units / 2, 2));
      inputs.push(partial('soda', hour, 0, 2, 2), partial('soda', hour, 1, 2, 2));
    });
    inputs.push(partial('plant', 3, 1, 5, 2)); // a re-sent partial (same id): counted once
    // Hour 4: no demand. Hour 5: 8 units from 2 buyers only. Hour 6: 1 unit.
    inputs.push(partial('plant', 5, 0, 8, 2), partial('plant', 6, 1, 1, 1));
    // Source 0 closes everything first: nothing can be judged until source 1 catches up.
    for (let hour = 0; hour <= 6; hour += 1) inputs.push(closed(hour, 0));
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
    expect(feed(inputs)).toEqual([]);
    const outputs = feed([0, 1, 2, 3, 4, 5, 6].map((hour) => closed(hour, 1)));
    // Baseline after hours 0, 1, 2: ewma 4 -> 4 -> 5; hour 3 has 10 units -> lift 2.0 with 4 buyers: fires.
    // Hour 5: the empty hour 4 decays 7.5 to 3.75; 8 units -> lift 2.13 but 2 buyers < k: no trigger.
    expect(outputs.map((entry) => JSON.parse(entry.value) as Trigger)).toEqual([
      {
        triggerId: `trigger:plant:west:${iso(at(3))}`,
        category: 'plant',
        region: 'west',
        windowStart: iso(at(3)),
        windowEnd: iso(at(4)),
        lift: 2,
        baseline: 5,
        observed: 10,
        distinctBuyers: 4,
      },
    ]);
    expect(task.store.get('plant|west', 'lastJudgement')).toMatchObject({ windowStart: at(6), units: 1 });
    expect(task.store.get('plant|west', 'baseline')).toMatchObject({ windows: 7, lastClosedStart: at(6) });
    // A partial re-sent after its window was judged is ignored; no window rows are left behind.
    expect(feed([partial('plant', 3, 0, 100, 100), closed(6, 1)])).toEqual([]);
    expect(task.store.names('plant|west').filter((name) => /^(seen|window):/.test(name))).toEqual([]);
  });

  it('stage 1 sends per-partition partials of consented, identified demand, then closed markers to every partition', () => {
    const { task, drain } = open(createDemandRepartitioner({ inputPartitions: 4, demandPartitions: 2 }));
    const basket = purchase('o3', 's2', at(0, 30), { category: 'plant' });
    if (basket.type !== 'purchase') throw new Error('unreachable');
    basket.items.push({ sku: 'y', category: 'soda', brand: 'b', quantity: -1, unitPrice: 1 });
    const values: CleanEvent[] = [
      purchase('o1', 's1', at(0, 5), { category: 'plant', quantity: 2 }),
      purchase('o1', 's1', at(0, 5), { category: 'plant', quantity: 2 }), // repeated eventId
      purchase('o2', 's1', at(0, 20), { category: 'plant' }), // same buyer again
      basket, // plant x1, and a soda return (not demand)
      purchase('o4', null, at(0, 31), { category: 'plant' }), // anonymous
      purchase('o5', 's3', at(0, 32), { category: 'plant' }, { measurement: false }),
      purchase('o6', 's4', at(0, 40), { category: 'soda', quantity: 3 }, { region: 'east' }),
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
    expect(outputs).toEqual([
      // The first record (watermark 10:00) reports at once that nothing before 10:00 is coming.
      marker(-1, 0),
      marker(-1, 1),
      // Watermark 11:01: the 10:00 window closes.
      { key: 'plant|west', partition: null, value: partial('plant', 0, 0, 4, 2) },
      {
        key: 'soda|east',
        partition: null,
        value: {
          ...partial('soda', 0, 0, 3, 1),
          region: 'east',
          partialId: `partial:${iso(at(0))}:soda|east:0`,
        },
      },
      marker(0, 0),
      marker(0, 1),
      // Watermark 13:05: 11:00 and 12:00 are both due; one marker covers them.
      marker(2, 0),
      marker(2, 1),
    ]);
  });
});
