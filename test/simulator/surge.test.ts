import { describe, expect, it } from 'vitest';
import type { TransactionEvent } from '../../schema/events.ts';
import { simulate } from '../../simulator/index.ts';

const HOUR_MS = 3_600_000;

describe('demand surge', () => {
  it('lifts plant-based meat buyers in the west past 2x the hourly baseline with at least 50 buyers an hour', () => {
    const simulation = simulate({ seed: 1, simulatedHours: 5 });
    const buyersByHour = new Map<number, Set<string>>();
    const startMs = Date.parse('2026-03-02T00:00:00.000Z');
    for (const record of simulation) {
      if (record.topic !== 'retail.transactions') continue;
      const event = record.value as TransactionEvent;
      if (event.region !== 'west' || event.customer === undefined) continue;
      if (!event.items.some((item) => item.category === 'plant_based_meat' && item.quantity > 0)) continue;
      const hour = Math.floor((Date.parse(event.occurredAt) - startMs) / HOUR_MS);
      const buyer =
        event.customer.loyaltyId ?? event.customer.email?.trim().toLowerCase() ?? event.customer.phone ?? '';
      const buyers = buyersByHour.get(hour) ?? new Set<string>();
      buyers.add(buyer);
      buyersByHour.set(hour, buyers);
    }
    const truth = simulation.groundTruth();
    expect(truth.surge).toMatchObject({
      category: 'plant_based_meat',
      region: 'west',
      startsAt: '2026-03-02T03:00:00.000Z',
    });
    const count = (hour: number): number => buyersByHour.get(hour)?.size ?? 0;
    const baseline = (count(0) + count(1) + count(2)) / 3;
    expect(baseline).toBeGreaterThan(15);
    for (const hour of [3, 4]) {
      expect(count(hour)).toBeGreaterThanOrEqual(50);
      expect(count(hour) / baseline).toBeGreaterThan(2);
    }
    expect(truth.surge?.extraPurchases).toBeGreaterThan(0);
  });
});
