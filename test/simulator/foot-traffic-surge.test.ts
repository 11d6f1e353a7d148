import { describe, expect, it } from 'vitest';
import type { InstoreEvent } from '../../schema/events.ts';
import { simulate } from '../../simulator/index.ts';

const START = '2026-03-02T00:00:00.000Z';

/** Entries per region and UTC hour (by report time) of a simulation's zone-sensor reports. */
function entriesByRegionHour(options: Parameters<typeof simulate>[0]) {
  const simulation = simulate(options);
  const sums = new Map<string, number>();
  for (const record of simulation) {
    if (record.topic !== 'retail.instore') continue;
    const event = record.value as InstoreEvent;
    if (event.kind !== 'foot_traffic') continue;
    const key = `${event.region}|${event.occurredAt.slice(0, 13)}`;
    sums.set(key, (sums.get(key) ?? 0) + event.count);
  }
  return { sums, truth: simulation.groundTruth() };
}

describe('planted foot-traffic surges', () => {
  const base = {
    seed: 5,
    start: START,
    shoppers: 300,
    simulatedHours: 24,
    clickFarms: 0,
    surge: false as const,
  };

  it('multiply the planted region-hour and nothing else, and the ground truth says by how much', () => {
    const plain = entriesByRegionHour({ ...base, instore: { journeysPerHour: 0 } });
    const surged = entriesByRegionHour({
      ...base,
      instore: {
        journeysPerHour: 0,
        footTrafficSurges: [
          { region: 'west', startsAt: '2026-03-02T20:00:00.000Z', durationMinutes: 60, multiplier: 2 },
        ],
      },
    });
    const planted = 'west|2026-03-02T20';
    // Every other region-hour is what the day would have been without the surge (same draws).
    for (const [key, entries] of plain.sums) {
      if (key !== planted) expect(surged.sums.get(key), key).toBe(entries);
    }
    const usual = plain.sums.get(planted)!;
    expect(usual).toBeGreaterThan(2_000);
    expect(surged.sums.get(planted)! / usual).toBeCloseTo(2, 2);
    expect(surged.truth.instore?.footTrafficSurges).toEqual([
      {
        region: 'west',
        startsAt: '2026-03-02T20:00:00.000Z',
        endsAt: '2026-03-02T21:00:00.000Z',
        multiplier: 2,
        extraEntries: surged.sums.get(planted)! - usual,
      },
    ]);
    expect(plain.truth.instore?.footTrafficSurges).toEqual([]);
  });

  it('refuses a surge in an unknown region or below 1x, naming the option', () => {
    const surge = { region: 'west', startsAt: START, durationMinutes: 60, multiplier: 2 };
    expect(() =>
      simulate({ ...base, instore: { footTrafficSurges: [{ ...surge, region: 'mars' }] } }),
    ).toThrow(/instore\.footTrafficSurges\[0\]\.region/);
    expect(() =>
      simulate({ ...base, instore: { footTrafficSurges: [{ ...surge, multiplier: 0.5 }] } }),
    ).toThrow(/instore\.footTrafficSurges\[0\]\.multiplier/);
  });
});
