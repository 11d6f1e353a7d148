/**
 * Reference test: for random streams of exposures, purchases and (revised) verdicts delivered in any order,
 * the incremental engine's final last-touch and linear credits equal a brute-force recomputation over all
 * events. The reference below is written independently of the engine and of `creditWeights`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAttributionEngine, createCampaignDirectory } from '../../../processors/attribution/index.ts';
import type { AttributionCredit } from '../../../schema/index.ts';
import { DAY, HOUR, T0, campaign, exposure, purchase, verdict } from './fixtures.ts';

interface Exposure {
  eventId: string;
  subjectId: string;
  type: 'impression' | 'click';
  at: number;
}
interface Purchase {
  eventId: string;
  subjectId: string;
  at: number;
  quantity: number;
  sku: string;
}
interface Verdict {
  eventId: string;
  subjectId: string;
  at: number;
  valid: boolean;
  revision: number;
}
type Item =
  { kind: 'exposure'; e: Exposure } | { kind: 'purchase'; p: Purchase } | { kind: 'verdict'; v: Verdict };

const subjectArb = fc.constantFrom('s1', 's2', 's3');
// Six-hour steps over 16 days: lookback edges (exactly 1 and 14 days) and ties come up often.
const timeArb = fc.integer({ min: -64, max: 0 }).map((steps) => T0 + steps * 6 * HOUR);

const streamArb = fc
  .record({
    exposures: fc.array(
      fc.record({
        subjectId: subjectArb,
        type: fc.constantFrom('impression' as const, 'click' as const),
        at: timeArb,
      }),
      { maxLength: 14 },
    ),
    purchases: fc.array(
      fc.record({
        subjectId: subjectArb,
        at: timeArb,
        quantity: fc.integer({ min: 1, max: 3 }),
        sku: fc.constantFrom('sku-1', 'sku-x'),
      }),
      { maxLength: 6 },
    ),
    verdicts: fc.array(
      fc.record({ target: fc.nat(), valid: fc.boolean(), revision: fc.integer({ min: 0, max: 2 }) }),
      { maxLength: 10 },
    ),
    seed: fc.nat(),
  })
  .map(({ exposures, purchases, verdicts, seed }) => {
    const ex: Exposure[] = exposures.map((e, i) => ({ ...e, eventId: `ad:e${i}` }));
    const pu: Purchase[] = purchases.map((p, i) => ({ ...p, eventId: `tx:p${i}` }));
    const ve: Verdict[] =
      ex.length === 0
        ? []
        : verdicts.map((v) => {
            const target = ex[v.target % ex.length]!;
            return {
              eventId: target.eventId,
              subjectId: target.subjectId,
              at: target.at,
              valid: v.valid,
              revision: v.revision,
            };
          });
    const items: Item[] = [
      ...ex.map((e) => ({ kind: 'exposure' as const, e })),
      ...pu.map((p) => ({ kind: 'purchase' as const, p })),
      ...ve.map((v) => ({ kind: 'verdict' as const, v })),
    ];
    // A seeded shuffle: any arrival order, including verdicts before their events and duplicates of nothing.
    let state = seed + 1;
    for (let i = items.length - 1; i > 0; i -= 1) {
      state = (state * 1103515245 + 12345) % 2147483648;
      const j = state % (i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return { ex, pu, ve, items };
  });

/** Final validity of an exposure: the verdict with the highest revision (the first such to arrive wins ties). */
function finalValidity(items: Item[], eventId: string): boolean {
  let best: Verdict | undefined;
  for (const item of items) {
    if (item.kind !== 'verdict' || item.v.eventId !== eventId) continue;
    if (best === undefined || item.v.revision > best.revision) best = item.v;
  }
  return best?.valid ?? true;
}

function reference(ex: Exposure[], pu: Purchase[], items: Item[]) {
  const out = new Map<string, { weight: number; revenue: number }>();
  for (const p of pu) {
    if (p.sku !== 'sku-1') continue;
    const touches = ex.filter((e) => {
      if (e.subjectId !== p.subjectId || e.at > p.at || !finalValidity(items, e.eventId)) return false;
      return p.at - e.at <= (e.type === 'click' ? 14 * DAY : DAY);
    });
    if (touches.length === 0) continue;
    const revenue = p.quantity * 10;
    for (const t of touches)
      out.set(`credit:linear:${p.eventId}:${t.eventId}`, {
        weight: 1 / touches.length,
        revenue: revenue / touches.length,
      });
    const later = (a: Exposure, b: Exposure) => a.at > b.at || (a.at === b.at && a.eventId > b.eventId);
    const clicks = touches.filter((t) => t.type === 'click');
    const pool = clicks.length > 0 ? clicks : touches;
    const last = pool.reduce((best, t) => (later(t, best) ? t : best));
    out.set(`credit:last_touch:${p.eventId}:${last.eventId}`, { weight: 1, revenue });
  }
  return out;
}

describe('incremental attribution equals a brute-force recomputation', () => {
  it('for last touch and linear over random streams in random order', () => {
    fc.assert(
      fc.property(streamArb, ({ ex, pu, items }) => {
        const engine = createAttributionEngine({
          campaigns: createCampaignDirectory([campaign({ products: { skus: ['sku-1'] } })]),
        });
        const latest = new Map<string, AttributionCredit>();
        for (const item of items) {
          const credits =
            item.kind === 'exposure'
              ? engine.observeEvent(
                  exposure(item.e.eventId, item.e.type, item.e.at, { subjectId: item.e.subjectId }),
                )
              : item.kind === 'purchase'
                ? engine.observeEvent(
                    purchase(
                      item.p.eventId,
                      item.p.at,
                      [
                        {
                          sku: item.p.sku,
                          category: 'c',
                          brand: 'b',
                          quantity: item.p.quantity,
                          unitPrice: 10,
                        },
                      ],
                      { subjectId: item.p.subjectId },
                    ),
                  )
                : engine.observeVerdict(
                    verdict(item.v.eventId, item.v.at, item.v.valid, item.v.revision, item.v.subjectId),
                  );
          for (const credit of credits) latest.set(credit.creditId, credit);
        }
        const actual = new Map<string, { weight: number; revenue: number }>();
        for (const credit of latest.values()) {
          if (credit.retracted || (credit.model !== 'linear' && credit.model !== 'last_touch')) continue;
          actual.set(credit.creditId, { weight: credit.weight, revenue: credit.revenue });
        }
        const expected = reference(ex, pu, items);
        expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [creditId, value] of expected) {
          expect(actual.get(creditId)?.weight).toBeCloseTo(value.weight, 9);
          expect(actual.get(creditId)?.revenue).toBeCloseTo(value.revenue, 9);
        }
      }),
      { numRuns: 300, seed: 20260301 },
    );
  });
});
