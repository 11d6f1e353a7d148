import { describe, expect, it } from 'vitest';
import { validateRawValue } from '../../schema/events.ts';
import type { InventoryEvent } from '../../schema/events.ts';
import { createCatalogue, createStores, SIMULATION_DEFAULTS, simulate } from '../../simulator/index.ts';
import type { SimulatedRecord } from '../../simulator/index.ts';

const OPTIONS = { seed: 3, shoppers: 1_000, simulatedHours: 12, inventory: { stockOutsPerHour: 3 } } as const;

function stockCounts(records: SimulatedRecord[]): InventoryEvent[] {
  return records
    .filter((record) => record.topic === 'retail.inventory')
    .map((record) => record.value as InventoryEvent);
}

describe('the simulated stock system', () => {
  it('is off by default: no stock counts, no inventory truth', () => {
    const simulation = simulate({ seed: 3, shoppers: 500, events: 3_000 });
    const records = [...simulation];
    expect(records.some((record) => record.topic === 'retail.inventory')).toBe(false);
    expect(simulation.groundTruth().inventory).toBeNull();
  });

  it('plants the first stock-out at a set time as a regional one when asked (the demo does)', () => {
    // With regionalShare 0 every stock-out the random process plants is a single store's: only the set one is not.
    const simulation = simulate({
      seed: 3,
      shoppers: 500,
      simulatedHours: 3,
      inventory: { stockOutsPerHour: 3, regionalShare: 0, firstRegionalAfterMinutes: 15 },
    });
    const records = [...simulation];
    expect(records.some((record) => record.topic === 'retail.inventory')).toBe(true);
    const { stockOuts } = simulation.groundTruth().inventory!;
    expect(stockOuts[0]?.kind).toBe('regional');
    expect(Date.parse(stockOuts[0]!.startsAt)).toBe(Date.parse(SIMULATION_DEFAULTS.start) + 15 * 60_000);
    expect(stockOuts.length).toBeGreaterThan(2);
    expect(stockOuts.slice(1).every((stockOut) => stockOut.kind === 'single_store')).toBe(true);
    expect(() => simulate({ seed: 3, inventory: { firstRegionalAfterMinutes: -1 } })).toThrow(
      /inventory.firstRegionalAfterMinutes/,
    );
  });

  it('opens with a count of every product in every store, then plants stock-outs and restocks by seed', () => {
    const first = simulate(OPTIONS);
    const records = [...first];
    const again = [...simulate(OPTIONS)];
    expect(JSON.stringify(again)).toBe(JSON.stringify(records));

    const counts = stockCounts(records);
    for (const count of counts) expect(validateRawValue('retail.inventory', count).ok).toBe(true);
    const opening = createStores().length * createCatalogue().products.length;
    expect(counts.slice(0, opening).every((count) => count.onHand > 0)).toBe(true);
    expect(new Set(counts.slice(0, opening).map((count) => `${count.storeId}|${count.sku}`)).size).toBe(
      opening,
    );

    const groundTruth = first.groundTruth();
    const truth = groundTruth.inventory!;
    const regional = truth.stockOuts.filter((stockOut) => stockOut.kind === 'regional');
    expect(regional.length).toBeGreaterThan(0);
    expect(truth.stockOuts.some((stockOut) => stockOut.kind === 'single_store')).toBe(true);
    for (const stockOut of regional.filter((planted) => planted.endsAt < groundTruth.lastEventAt)) {
      expect(stockOut.storeIds).toHaveLength(4);
      // Each store of the region empties the shelf, then refills it.
      for (const storeId of stockOut.storeIds) {
        const ofShelf = counts.filter(
          (count) =>
            count.storeId === storeId && count.sku === stockOut.sku && count.occurredAt >= stockOut.startsAt,
        );
        expect(ofShelf.some((count) => count.onHand === 0 && count.onOrder > 0)).toBe(true);
      }
    }
    // Wasted impressions name a product out in the viewer's region during a planted stock-out there.
    expect(truth.wastedImpressions).toBe(truth.wasted.length);
    for (const wasted of truth.wasted.slice(0, 50)) {
      const during = truth.stockOuts.some(
        (stockOut) =>
          stockOut.kind === 'regional' &&
          stockOut.sku === wasted.sku &&
          stockOut.region === wasted.region &&
          stockOut.startsAt <= wasted.at &&
          wasted.at < stockOut.endsAt,
      );
      expect(during).toBe(true);
    }
  });

  it('refuses a bad option naming it', () => {
    expect(() => simulate({ inventory: { regionalShare: 2 } })).toThrow(/inventory.regionalShare/);
  });
});
