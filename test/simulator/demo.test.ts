/**
 * The embedded demo's world: planted surges on a schedule, each big enough to fire a trigger for a restaurant chain
 * with k = 50 even after a privacy threshold a few dozen above k and noise (150+ distinct buyers who consented to
 * measurement in the surge's window), with a lift far above 2, and quiet again right after.
 */
import { describe, expect, it } from 'vitest';
import type { LoyaltyEvent, TransactionEvent } from '../../schema/events.ts';
import {
  DEMO_SCHEDULE,
  SIMULATION_DEFAULTS,
  demoSimulationOptions,
  demoStart,
  demoSurges,
  simulate,
} from '../../simulator/index.ts';

const MINUTE_MS = 60_000;
const WINDOW_MS = DEMO_SCHEDULE.triggerWindowMinutes * MINUTE_MS;
const K = 50;

describe('the demo schedule', () => {
  it('plants a one-window surge every 90 simulated minutes from the first half hour, region after region', () => {
    const startMs = demoStart();
    expect(startMs).toBe(Date.parse(SIMULATION_DEFAULTS.start));
    const surges = demoSurges(startMs);
    expect(surges.length).toBe(Math.ceil((DEMO_SCHEDULE.days * 24 * 60 - 30) / 90));
    surges.forEach((surge, index) => {
      const at = Date.parse(surge.startsAt);
      expect(at - startMs).toBe((30 + index * 90) * MINUTE_MS);
      expect(at % WINDOW_MS).toBe(0);
      expect(surge.durationMinutes).toBe(DEMO_SCHEDULE.triggerWindowMinutes);
      expect(surge.category).toBe('plant_based_meat');
      expect(surge.region).toBe(DEMO_SCHEDULE.regions[index % DEMO_SCHEDULE.regions.length]);
    });
  });

  it('resumes after a restart at the window after the simulated time reached', () => {
    const reached = Date.parse('2026-03-03T07:41:12.000Z');
    expect(new Date(demoStart(reached)).toISOString()).toBe('2026-03-03T07:45:00.000Z');
    expect(demoStart(Date.parse('2026-03-03T07:45:00.000Z'))).toBe(Date.parse('2026-03-03T08:00:00.000Z'));
    expect(demoStart(Date.parse('2020-01-01T00:00:00.000Z'))).toBe(Date.parse(SIMULATION_DEFAULTS.start));
  });

  it('makes every surge window hold 150+ consented distinct buyers, far above the region before and after', () => {
    const startMs = demoStart();
    const simulation = simulate({ ...demoSimulationOptions({ seed: 1, startMs }), simulatedHours: 8 });
    // Who a purchase is, as ingest resolves it: loyalty id, or the email or phone a loyalty profile linked.
    const measurable = new Map<string, boolean>();
    const byEmail = new Map<string, string>();
    const byPhone = new Map<string, string>();
    const normalized = (email: string) => email.trim().toLowerCase();
    const buyers = new Map<string, Set<string>>();
    for (const record of simulation) {
      if (record.topic === 'retail.loyalty') {
        const profile = record.value as LoyaltyEvent;
        measurable.set(profile.loyaltyId, profile.consent.measurement && profile.erase !== true);
        if (profile.email) byEmail.set(normalized(profile.email), profile.loyaltyId);
        if (profile.phone) byPhone.set(profile.phone, profile.loyaltyId);
        continue;
      }
      if (record.topic !== 'retail.transactions') continue;
      const purchase = record.value as TransactionEvent;
      if (!purchase.items.some((item) => item.category === 'plant_based_meat' && item.quantity > 0)) continue;
      const customer = purchase.customer;
      const loyaltyId =
        customer?.loyaltyId ??
        (customer?.email ? byEmail.get(normalized(customer.email)) : undefined) ??
        (customer?.phone ? byPhone.get(customer.phone) : undefined);
      if (loyaltyId === undefined || measurable.get(loyaltyId) !== true) continue;
      const window = Math.floor(Date.parse(purchase.occurredAt) / WINDOW_MS) * WINDOW_MS;
      const key = `${window}|${purchase.region}`;
      buyers.set(key, (buyers.get(key) ?? new Set()).add(loyaltyId));
    }
    const count = (windowMs: number, region: string) => buyers.get(`${windowMs}|${region}`)?.size ?? 0;

    const truth = simulation.groundTruth();
    // Eight simulated hours hold the surges at 0:30, 2:00, 3:30, 5:00 and 6:30, one per region.
    expect(truth.surges.map((surge) => surge.region)).toEqual(['west', 'east', 'north', 'south', 'central']);
    for (const surge of truth.surges.filter(
      (planted) => Date.parse(planted.endsAt) <= startMs + 8 * 60 * MINUTE_MS,
    )) {
      const at = Date.parse(surge.startsAt);
      const during = count(at, surge.region);
      const before = [1, 2].map((back) => count(at - back * WINDOW_MS, surge.region));
      const after = count(at + WINDOW_MS, surge.region);
      const usual = Math.max(1, ...before);
      process.stdout.write(
        `demo surge ${surge.startsAt} ${surge.region}: ${during} consented buyers (before ${before.join(', ')}; after ${after})\n`,
      );
      expect(during, surge.startsAt).toBeGreaterThanOrEqual(3 * K);
      expect(during / usual, surge.startsAt).toBeGreaterThan(8);
      expect(after, surge.startsAt).toBeLessThan(K);
      expect(surge.extraPurchases).toBeGreaterThan(3 * K);
    }
  });
});
