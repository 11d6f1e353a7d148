/**
 * A seeded generator of `cleanroom.events` values (already clean: subject ids, no raw identifiers) for
 * restart tests and benchmarks of processors on their own, without the simulator and ingest in front.
 */
import type { CleanEvent } from '../../schema/topics.ts';

/** Options of {@link generateCleanEvents}. */
export interface SyntheticEventsOptions {
  seed: number;
  count: number;
  /** Distinct subjects (default 200). */
  subjects?: number;
  /** First event time (default 2026-01-01). */
  startMs?: number;
  /** Span of event time (default 120 days). */
  spanMs?: number;
  /** Largest arrival delay of an event behind the newest (default 30 minutes). */
  maxDisorderMs?: number;
  regions?: string[];
}

const CATEGORIES = ['plant_based_meat', 'soda', 'tv', 'bread', 'grill'] as const;

/** A small seeded PRNG (mulberry32): deterministic, not for secrets. */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` events in arrival order: purchases and product views of a few categories, spread over `spanMs`,
 * arriving up to `maxDisorderMs` out of order. Subject ids are opaque strings `subject-<n>`.
 */
export function generateCleanEvents(options: SyntheticEventsOptions): CleanEvent[] {
  const random = createSeededRandom(options.seed);
  const subjects = options.subjects ?? 200;
  const start = options.startMs ?? Date.parse('2026-01-01T00:00:00Z');
  const span = options.spanMs ?? 120 * 86_400_000;
  const disorder = options.maxDisorderMs ?? 30 * 60_000;
  const regions = options.regions ?? ['west', 'east', 'north', 'south'];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const events: CleanEvent[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const t = start + Math.floor((index / options.count) * span);
    const occurredAt = new Date(t - Math.floor(random() * disorder)).toISOString();
    const subjectId = `subject-${Math.floor(random() * subjects)}`;
    const consent = { measurement: random() > 0.05, personalization: true, partnerSharing: random() > 0.2 };
    const category = pick(CATEGORIES);
    const common = { eventId: `synthetic:${options.seed}:${index}`, occurredAt, subjectId, consent };
    if (random() < 0.35) {
      events.push({
        ...common,
        type: 'product_view',
        sessionHash: `session-${subjectId}-${Math.floor(t / 3_600_000)}`,
        category,
        sku: `${category}-${Math.floor(random() * 20)}`,
        traffic: { ipClass: 'other', botUserAgent: false, nonBrowserAgent: false },
      });
      continue;
    }
    const quantity = random() < 0.03 ? -1 : 1 + Math.floor(random() * 3);
    const unitPrice = category === 'tv' ? 300 + Math.floor(random() * 500) : 2 + Math.floor(random() * 10);
    events.push({
      ...common,
      type: 'purchase',
      channel: random() < 0.6 ? 'store' : 'online',
      region: pick(regions),
      orderId: `order-${index}`,
      currency: 'USD',
      items: [
        { sku: `${category}-${Math.floor(random() * 20)}`, category, brand: 'acme', quantity, unitPrice },
      ],
      revenue: quantity * unitPrice,
    });
  }
  return events;
}
