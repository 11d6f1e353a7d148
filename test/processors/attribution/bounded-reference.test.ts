/**
 * Bounded sums against a brute force, and the bound itself as a property.
 *
 * Histories: two campaigns (one by sku, one by brand halo), three subjects, exposures online and on in-store
 * screens, purchases online and in store, returns, IVT verdicts (revised, often before their exposure), consent
 * withdrawals, erasures and re-grants, all delivered in a random order; then the engine prunes everything (the
 * watermark moves 40 days on) and a second phase follows, 45 days later, with the same kinds of input. Pruning
 * must not move a published bounded sum, and the final bounded sums must equal a brute-force computation from
 * each subject's final data: its events since its last withdrawal, the final verdicts, returns taken back from
 * the purchases held when they arrived; credits under the campaigns' lookbacks; the earliest `cellsPerCampaign`
 * cells per subject and campaign; clamps per cell. Written independently of the engine's ledger.
 *
 * The property: run the same history with and without one subject; at every step, the subject moves each
 * campaign's bounded sums only in at most `cellsPerCampaign` cells, by at most 1 subject and the bound per
 * measure in each, so by at most cellsPerCampaign x bound over any grouping of cells.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAttributionEngine, createCampaignDirectory } from '../../../processors/attribution/index.ts';
import type { AttributionEngine, ContributionBounds } from '../../../processors/attribution/index.ts';
import type { AttributionAggregate, CampaignInfo, CleanEvent, ConsentChange } from '../../../schema/index.ts';
import { DAY, HOUR, T0, campaign, exposure, purchase, verdict } from './fixtures.ts';

const BOUNDS: ContributionBounds = { conversions: 1.5, revenue: 25, spend: 1.2, cellsPerCampaign: 2 };
const CAMPAIGNS: CampaignInfo[] = [
  campaign({ campaignId: 'c1', products: { skus: ['sku-a'] } }),
  campaign({ campaignId: 'c2', products: { brands: ['Beta'] }, clickLookbackDays: 7, viewLookbackDays: 2 }),
];
const PRODUCTS = {
  'sku-a': { category: 'snacks', brand: 'Acme', unitPrice: 10 },
  'sku-b': { category: 'dairy', brand: 'Beta', unitPrice: 7 },
} as const;
type Sku = keyof typeof PRODUCTS;
const PHASE2_OFFSET = 45 * DAY;
const MODELS = ['last_touch', 'linear'] as const;

interface ExposureSpec {
  kind: 'exposure';
  eventId: string;
  subjectId: string;
  campaignId: string;
  type: 'impression' | 'click';
  at: number;
  store: boolean;
  cost: number;
}
interface PurchaseSpec {
  kind: 'purchase';
  eventId: string;
  subjectId: string;
  at: number;
  store: boolean;
  lines: Array<{ sku: Sku; quantity: number }>;
}
interface ReturnSpec {
  kind: 'return';
  eventId: string;
  subjectId: string;
  at: number;
  sku: Sku;
  quantity: number;
}
interface VerdictSpec {
  kind: 'verdict';
  eventId: string;
  subjectId: string;
  at: number;
  valid: boolean;
  revision: number;
}
interface ConsentSpec {
  kind: 'consent';
  changeId: string;
  subjectId: string;
  measurement: boolean;
  erased: boolean;
}
type Item = ExposureSpec | PurchaseSpec | ReturnSpec | VerdictSpec | ConsentSpec;
type Step = { item: Item; phase: 1 | 2 } | { prune: number };

const subjectArb = fc.constantFrom('s1', 's2', 's3');
// Six-hour steps over 12 days: lookback edges, several days and both channels come up often.
const timeArb = fc.integer({ min: -48, max: 0 }).map((steps) => T0 + steps * 6 * HOUR);
const skuArb = fc.constantFrom<Sku>('sku-a', 'sku-b');

/** One phase's input, shuffled into an arrival order (verdicts before their exposures included). */
const phaseArb = (phase: 1 | 2) =>
  fc
    .record({
      exposures: fc.array(
        fc.record({
          subjectId: subjectArb,
          campaignId: fc.constantFrom('c1', 'c2'),
          type: fc.constantFrom('impression' as const, 'click' as const),
          at: timeArb,
          store: fc.boolean(),
          cost: fc.constantFrom(0.5, 1),
        }),
        { maxLength: 10 },
      ),
      purchases: fc.array(
        fc.record({
          subjectId: subjectArb,
          at: timeArb,
          store: fc.boolean(),
          lines: fc.array(fc.record({ sku: skuArb, quantity: fc.integer({ min: 1, max: 3 }) }), {
            minLength: 1,
            maxLength: 2,
          }),
        }),
        { maxLength: 6 },
      ),
      returns: fc.array(
        fc.record({
          subjectId: subjectArb,
          at: timeArb,
          sku: skuArb,
          quantity: fc.integer({ min: 1, max: 2 }),
        }),
        { maxLength: 3 },
      ),
      verdicts: fc.array(
        fc.record({ target: fc.nat(), valid: fc.boolean(), revision: fc.integer({ min: 0, max: 2 }) }),
        { maxLength: 8 },
      ),
      consents: fc.array(
        fc.record({ subjectId: subjectArb, action: fc.constantFrom('withdraw', 'erase', 'regrant') }),
        { maxLength: 3 },
      ),
      order: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    })
    .map((spec): Item[] => {
      const shift = phase === 2 ? PHASE2_OFFSET : 0;
      const prefix = `p${phase}`;
      const exposures: ExposureSpec[] = spec.exposures.map((e, i) => ({
        kind: 'exposure',
        eventId: `ad:${prefix}e${i}`,
        ...e,
        at: e.at + shift,
      }));
      const items: Item[] = [
        ...exposures,
        ...spec.purchases.map((p, i): PurchaseSpec => ({
          kind: 'purchase',
          eventId: `tx:${prefix}p${i}`,
          ...p,
          at: p.at + shift,
        })),
        ...spec.returns.map((r, i): ReturnSpec => ({
          kind: 'return',
          eventId: `tx:${prefix}r${i}`,
          ...r,
          at: r.at + shift,
        })),
        ...(exposures.length === 0
          ? []
          : spec.verdicts.map((v): VerdictSpec => {
              const target = exposures[v.target % exposures.length]!;
              return {
                kind: 'verdict',
                eventId: target.eventId,
                subjectId: target.subjectId,
                at: target.at,
                valid: v.valid,
                revision: v.revision,
              };
            })),
        ...spec.consents.map((c, i): ConsentSpec => ({
          kind: 'consent',
          changeId: `consent:${prefix}c${i}`,
          subjectId: c.subjectId,
          measurement: c.action === 'regrant',
          erased: c.action === 'erase',
        })),
      ];
      // A Fisher-Yates shuffle driven by the generated numbers: any arrival order.
      for (let i = items.length - 1; i > 0; i -= 1) {
        const j = spec.order[i % spec.order.length]! % (i + 1);
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    });

const historyArb = fc.tuple(phaseArb(1), phaseArb(2)).map(([first, second]): Step[] => [
  ...first.map((item) => ({ item, phase: 1 as const })),
  // Forty days on: every event of phase 1 is beyond the 30-day retentions.
  { prune: T0 + 40 * DAY },
  ...second.map((item) => ({ item, phase: 2 as const })),
]);

const consentOf = (granted: boolean) => ({
  measurement: granted,
  personalization: granted,
  partnerSharing: granted,
});

/** Feeds one step to an engine; `granted` is each subject's consent as ingest knows it at that moment. */
function feed(engine: AttributionEngine, step: Step, granted: Map<string, boolean>): void {
  if ('prune' in step) {
    engine.prune(step.prune);
    return;
  }
  const { item } = step;
  const consent = consentOf(granted.get(item.subjectId) ?? true);
  switch (item.kind) {
    case 'exposure':
      engine.observeEvent(
        exposure(item.eventId, item.type, item.at, {
          subjectId: item.subjectId,
          campaignId: item.campaignId,
          placement: item.store ? 'in_store_screen' : 'search',
          cost: item.cost,
          consent,
        }),
      );
      return;
    case 'purchase':
    case 'return': {
      const lines =
        item.kind === 'purchase'
          ? item.lines.map((line) => ({ sku: line.sku, ...PRODUCTS[line.sku], quantity: line.quantity }))
          : [{ sku: item.sku, ...PRODUCTS[item.sku], quantity: -item.quantity }];
      const store = item.kind === 'purchase' && item.store;
      const event: CleanEvent = purchase(item.eventId, item.at, lines, {
        subjectId: item.subjectId,
        channel: store ? 'store' : 'online',
        ...(store ? { storeId: 'st-1' } : {}),
        consent,
      });
      engine.observeEvent(event);
      return;
    }
    case 'verdict':
      engine.observeVerdict(verdict(item.eventId, item.at, item.valid, item.revision, item.subjectId));
      return;
    case 'consent': {
      const change: ConsentChange = {
        changeId: item.changeId,
        subjectId: item.subjectId,
        occurredAt: new Date(T0).toISOString(),
        consent: consentOf(item.measurement),
        erased: item.erased,
      };
      granted.set(item.subjectId, item.measurement);
      engine.observeConsent(change);
      return;
    }
  }
}

/** A row's bounded sums, as compared (per model for conversions and revenue). */
interface Bounded {
  exposedSubjects: number;
  convertingSubjects: number;
  spend: number;
  conversions: Record<(typeof MODELS)[number], number>;
  revenue: Record<(typeof MODELS)[number], number>;
}
const zero = (): Bounded => ({
  exposedSubjects: 0,
  convertingSubjects: 0,
  spend: 0,
  conversions: { last_touch: 0, linear: 0 },
  revenue: { last_touch: 0, linear: 0 },
});

/** The engine's bounded sums per row (`campaign:day:channel`), from the latest aggregate of each model. */
function engineRows(latest: ReadonlyMap<string, AttributionAggregate>): Map<string, Bounded> {
  const rows = new Map<string, Bounded>();
  for (const aggregate of latest.values()) {
    const model = aggregate.model;
    if (model !== 'last_touch' && model !== 'linear') continue;
    const key = `${aggregate.campaignId}:${aggregate.day}:${aggregate.channel}`;
    const row = rows.get(key) ?? zero();
    const bounded = aggregate.bounded!;
    expect(bounded.bounds).toEqual(BOUNDS);
    row.exposedSubjects = bounded.exposedSubjects;
    row.convertingSubjects = bounded.convertingSubjects ?? -1; // always written by the stage
    row.spend = bounded.spend;
    row.conversions[model] = bounded.conversions;
    row.revenue[model] = bounded.revenue;
    rows.set(key, row);
  }
  return rows;
}

const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);
const clamp = (value: number, bound: number) => Math.min(bound, Math.max(0, value));

/** An input as the brute force sees it: with its phase, the subject's consent on arrival and its position. */
type Arrival = Item & { phase: 1 | 2; granted: boolean; index: number };

/** Brute force: the bounded sums from each subject's final data. */
function reference(steps: Step[]): Map<string, Bounded> {
  const items = steps.flatMap((step) => ('item' in step ? [{ ...step.item, phase: step.phase }] : []));
  const rows = new Map<string, Bounded>();
  for (const subjectId of ['s1', 's2', 's3']) {
    // The subject's final data: what arrived after its last withdrawal or erasure, with consent at arrival.
    let granted = true;
    let since = 0;
    const arrivals: Arrival[] = [];
    items.forEach((item, index) => {
      if (item.subjectId !== subjectId) return;
      if (item.kind === 'consent') {
        granted = item.measurement;
        if (!item.measurement) since = index + 1;
      }
      arrivals.push({ ...item, granted, index });
    });
    const mine = arrivals.filter((item) => item.index >= since && item.kind !== 'consent');
    const counted = mine.filter((item) => item.kind === 'verdict' || item.granted);

    // Final validity: the highest revision wins; the first of equal revisions to arrive wins.
    const validity = new Map<string, { revision: number; valid: boolean }>();
    for (const item of counted) {
      if (item.kind !== 'verdict') continue;
      const previous = validity.get(item.eventId);
      if (previous === undefined || item.revision > previous.revision) validity.set(item.eventId, item);
    }
    const exposures = counted.filter(
      (item): item is Extract<Arrival, { kind: 'exposure' }> => item.kind === 'exposure',
    );
    const valid = exposures.filter((e) => validity.get(e.eventId)?.valid !== false);

    // Purchases net of returns: a return takes back from the purchases held when it arrives (same phase: older
    // ones were pruned), latest at or before it first.
    const held: Array<{ spec: PurchaseSpec; phase: 1 | 2; lines: Array<{ sku: Sku; revenue: number }> }> = [];
    for (const item of counted) {
      if (item.kind === 'purchase') {
        held.push({
          spec: item,
          phase: item.phase,
          lines: item.lines.map((line) => ({
            sku: line.sku,
            revenue: line.quantity * PRODUCTS[line.sku].unitPrice,
          })),
        });
      } else if (item.kind === 'return') {
        let remaining = item.quantity * PRODUCTS[item.sku].unitPrice;
        const candidates = held
          .filter((p) => p.phase === item.phase && p.spec.at <= item.at)
          .sort((a, b) => b.spec.at - a.spec.at);
        for (const candidate of candidates) {
          for (const line of candidate.lines) {
            if (remaining <= 0 || line.sku !== item.sku || line.revenue <= 0) continue;
            const taken = Math.min(line.revenue, remaining);
            line.revenue -= taken;
            remaining -= taken;
          }
        }
      }
    }

    for (const info of CAMPAIGNS) {
      const cells = new Map<
        string,
        { exposures: number; spend: number; credited: number; revenue: number }
      >();
      const cell = (at: number, store: boolean) => {
        const key = `${dayOf(at)}:${store ? 'store' : 'online'}`;
        const existing = cells.get(key) ?? { exposures: 0, spend: 0, credited: 0, revenue: 0 };
        cells.set(key, existing);
        return existing;
      };
      for (const e of valid) {
        if (e.campaignId !== info.campaignId) continue;
        const into = cell(e.at, e.store);
        into.exposures += 1;
        into.spend += e.cost;
      }
      for (const p of held) {
        const matched = p.lines.filter((line) =>
          info.products.skus !== undefined
            ? info.products.skus.includes(line.sku)
            : (info.products.brands ?? []).includes(PRODUCTS[line.sku].brand),
        );
        if (matched.length === 0) continue;
        const touched = valid.some((e) => {
          if (e.campaignId !== info.campaignId || e.at > p.spec.at) return false;
          const lookbackDays = e.type === 'click' ? info.clickLookbackDays : info.viewLookbackDays;
          return p.spec.at - e.at <= lookbackDays * DAY;
        });
        if (!touched) continue;
        const into = cell(p.spec.at, p.spec.store);
        into.credited += 1;
        into.revenue += matched.reduce((sum, line) => sum + line.revenue, 0);
      }
      const kept = [...cells.keys()].sort().slice(0, BOUNDS.cellsPerCampaign);
      for (const key of kept) {
        const mineCell = cells.get(key)!;
        const rowKey = `${info.campaignId}:${key}`;
        const row = rows.get(rowKey) ?? zero();
        row.exposedSubjects += 1;
        row.convertingSubjects += mineCell.credited > 0 ? 1 : 0;
        row.spend += clamp(mineCell.spend, BOUNDS.spend);
        for (const model of MODELS) {
          row.conversions[model] += clamp(mineCell.credited, BOUNDS.conversions);
          row.revenue[model] += mineCell.credited > 0 ? clamp(mineCell.revenue, BOUNDS.revenue) : 0;
        }
        rows.set(rowKey, row);
      }
    }
  }
  return rows;
}

function expectSameRows(actual: Map<string, Bounded>, expected: Map<string, Bounded>): void {
  for (const key of new Set([...actual.keys(), ...expected.keys()])) {
    const a = actual.get(key) ?? zero();
    const e = expected.get(key) ?? zero();
    expect(a.exposedSubjects, `${key} exposedSubjects`).toBe(e.exposedSubjects);
    expect(a.convertingSubjects, `${key} convertingSubjects`).toBe(e.convertingSubjects);
    expect(a.spend, `${key} spend`).toBeCloseTo(e.spend, 5);
    for (const model of MODELS) {
      expect(a.conversions[model], `${key} ${model} conversions`).toBeCloseTo(e.conversions[model], 5);
      expect(a.revenue[model], `${key} ${model} revenue`).toBeCloseTo(e.revenue[model], 5);
    }
  }
}

function newEngine() {
  const engine = createAttributionEngine({
    campaigns: createCampaignDirectory(CAMPAIGNS),
    config: { contributionBounds: BOUNDS },
  });
  const latest = new Map<string, AttributionAggregate>();
  const flush = () => {
    const changed = engine.flush();
    for (const aggregate of changed) latest.set(aggregate.aggregateId, aggregate);
    return changed;
  };
  return { engine, latest, flush };
}

describe("bounded sums equal a brute force from each subject's final data", () => {
  it('over random histories with late events, returns, verdicts, withdrawals and pruning', () => {
    fc.assert(
      fc.property(historyArb, (steps) => {
        const { engine, latest, flush } = newEngine();
        const granted = new Map<string, boolean>();
        for (const step of steps) {
          if ('prune' in step) {
            flush();
            feed(engine, step, granted);
            // Pruning forgets events, never a published sum: no row is restated.
            expect(flush()).toEqual([]);
            continue;
          }
          feed(engine, step, granted);
        }
        flush();
        expectSameRows(engineRows(latest), reference(steps));
      }),
      { numRuns: 300, seed: 20260316 },
    );
  });
});

const TOLERANCE = 1e-9;

describe("no subject moves a campaign's bounded sums by more than its bound", () => {
  it('at any step, over any grouping of cells (with and without the subject, fast-check)', () => {
    fc.assert(
      fc.property(historyArb, subjectArb, (steps, left) => {
        const withSubject = newEngine();
        const without = newEngine();
        const grantedWith = new Map<string, boolean>();
        const grantedWithout = new Map<string, boolean>();
        for (const step of steps) {
          feed(withSubject.engine, step, grantedWith);
          if ('prune' in step || step.item.subjectId !== left) feed(without.engine, step, grantedWithout);
          withSubject.flush();
          without.flush();
          const a = engineRows(withSubject.latest);
          const b = engineRows(without.latest);
          for (const info of CAMPAIGNS) {
            const keys = [...new Set([...a.keys(), ...b.keys()])].filter((key) =>
              key.startsWith(`${info.campaignId}:`),
            );
            let cellsMoved = 0;
            const totals = { spend: 0, conversions: 0, revenue: 0 };
            for (const key of keys) {
              const x = a.get(key) ?? zero();
              const y = b.get(key) ?? zero();
              const subjects = x.exposedSubjects - y.exposedSubjects;
              expect([0, 1], `${key}: the subject counts at most once`).toContain(subjects);
              expect([0, 1]).toContain(x.convertingSubjects - y.convertingSubjects);
              const spend = x.spend - y.spend;
              expect(spend).toBeGreaterThanOrEqual(-TOLERANCE);
              expect(spend).toBeLessThanOrEqual(BOUNDS.spend + TOLERANCE);
              let moved = subjects !== 0 || Math.abs(spend) > TOLERANCE;
              for (const model of MODELS) {
                const conversions = x.conversions[model] - y.conversions[model];
                const revenue = x.revenue[model] - y.revenue[model];
                expect(conversions).toBeGreaterThanOrEqual(-TOLERANCE);
                expect(conversions).toBeLessThanOrEqual(BOUNDS.conversions + TOLERANCE);
                expect(revenue).toBeGreaterThanOrEqual(-TOLERANCE);
                expect(revenue).toBeLessThanOrEqual(BOUNDS.revenue + TOLERANCE);
                moved ||= Math.abs(conversions) > TOLERANCE || Math.abs(revenue) > TOLERANCE;
                if (model === 'linear') {
                  totals.conversions += conversions;
                  totals.revenue += revenue;
                }
              }
              totals.spend += spend;
              if (moved) cellsMoved += 1;
            }
            // Any grouping of the campaign's cells sums a subset of these (non-negative) differences.
            expect(cellsMoved).toBeLessThanOrEqual(BOUNDS.cellsPerCampaign);
            expect(totals.spend).toBeLessThanOrEqual(BOUNDS.cellsPerCampaign * BOUNDS.spend + TOLERANCE);
            expect(totals.conversions).toBeLessThanOrEqual(
              BOUNDS.cellsPerCampaign * BOUNDS.conversions + TOLERANCE,
            );
            expect(totals.revenue).toBeLessThanOrEqual(BOUNDS.cellsPerCampaign * BOUNDS.revenue + TOLERANCE);
          }
        }
      }),
      { numRuns: 150, seed: 20260317 },
    );
  });
});
