/**
 * Privacy invariants under load: 100 partners (80 brands, 20 QSR chains) with generated contracts issue random
 * permitted and forbidden queries concurrently against one gateway on the real policies/ services. No answer
 * ever crosses tenants, releases a value or row whose noised count is below the asking partner's k-threshold
 * (the threshold is tested on the noised value, so an exact count near k may go either way), or spends beyond
 * its budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import type { ContractView } from '../../gateway/index.ts';
import {
  aggregate,
  brandContract,
  campaign,
  codes,
  fillSegment,
  qsrContract,
  startHarness,
  trigger,
} from '../gateway/support/harness.ts';
import type { GqlResponse, Harness } from '../gateway/support/harness.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { recordFigure } from './support/figures.ts';
import { createSeededRandom, suiteSeed } from './support/seeded-random.ts';

const BRANDS = 80;
const QSRS = 20;
const QUERIES_PER_PARTNER = 12;
const BUDGET = 3;
const EPSILON = 0.5;
const SEGMENT_SIZES: Record<string, number> = {
  'seg-a': 20,
  'seg-b': 49,
  'seg-c': 60,
  'seg-d': 110,
  'seg-e': 200,
  'seg-f': 400,
};
const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03'];
const CHANNELS = ['online', 'store'] as const;
const CATEGORIES = ['plant-based-meat', 'coffee', 'snacks', 'dairy'];
const REGIONS = ['west', 'east', 'north', 'south'];

const random = createSeededRandom(suiteSeed());
const pad = (n: number): string => String(n).padStart(3, '0');
const brandIds = Array.from({ length: BRANDS }, (_, i) => `brand-${pad(i)}`);
const qsrIds = Array.from({ length: QSRS }, (_, i) => `qsr-${pad(i)}`);
const segmentIds = Object.keys(SEGMENT_SIZES);

const contracts: ContractView[] = [
  ...brandIds.map((id) =>
    brandContract(id, {
      campaigns: [`cmp-${id}`],
      segments: [random.pick(segmentIds), random.pick(segmentIds)],
      kThreshold: random.int(50, 150),
      epsilonPerAggregate: EPSILON,
      budgetEpsilon: BUDGET,
    }),
  ),
  ...qsrIds.map((id) =>
    qsrContract(id, {
      triggerCategories: [random.pick(CATEGORIES)],
      triggerRegions: [random.pick(REGIONS), random.pick(REGIONS)],
      kThreshold: random.int(50, 150),
    }),
  ),
];
const contractOf = new Map(contracts.map((contract) => [contract.partnerId, contract]));
/** exposedSubjects per campaign, day and channel: the truth the thresholds are checked against. */
const exposure = new Map<string, number>();

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ mode: 'policies', contracts });
  for (const [segmentId, size] of Object.entries(SEGMENT_SIZES))
    await fillSegment(harness, segmentId, size, segmentId);
  const aggregates = [];
  for (const id of brandIds) {
    await harness.produce(TOPICS.campaigns, `cmp-${id}`, campaign(`cmp-${id}`, id));
    for (const day of DAYS) {
      for (const channel of CHANNELS) {
        const subjects = random.int(10, 300);
        exposure.set(`cmp-${id}|${day}|${channel}`, subjects);
        aggregates.push({
          key: `cmp-${id}`,
          value: JSON.stringify(aggregate(`cmp-${id}`, day, channel, subjects)),
        });
      }
    }
  }
  await harness.log.produce(TOPICS.attributions, aggregates);
  const triggers = CATEGORIES.flatMap((category, c) =>
    REGIONS.map((region, r) => ({
      key: `${category}:${region}`,
      value: JSON.stringify(trigger(category, region, c * 4 + r, 200)),
    })),
  );
  await harness.log.produce(TOPICS.triggers, triggers);
  await waitFor(
    () =>
      harness.gateway.services.readModels.aggregates(`cmp-${brandIds.at(-1)}`, 'last_touch').length === 6 &&
      segmentIds.every((id) => harness.gateway.services.readModels.segmentSize(id) === SEGMENT_SIZES[id]),
    { timeout: 60_000, message: 'read models loaded' },
  );
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

const REPORT = `query ($id: ID!) { campaignReport(campaignId: $id, groupBy: [DAY, CHANNEL]) {
  campaignId kThreshold epsilonSpent rows { day channel exposedSubjects } filteredRows { count } } }`;
const SIZE = `query ($id: ID!) { segmentSize(segmentId: $id) { value epsilonSpent } }`;
const TRIGGERS = `{ crossIndustryTriggers(first: 100) { edges { node { id category region distinctBuyers } } } }`;
const BUDGET_QUERY = `{ privacyBudget { epsilonLimit epsilonSpent epsilonRemaining } }`;

interface Outcome {
  partnerId: string;
  kind: string;
  permitted: boolean;
  target: string;
  response: GqlResponse;
}

async function partnerSession(partnerId: string): Promise<Outcome[]> {
  const role = partnerId.startsWith('brand') ? 'BRAND' : 'QSR';
  const token = await harness.token(partnerId, role);
  const contract = contractOf.get(partnerId)!;
  const outcomes: Outcome[] = [];
  for (let n = 0; n < QUERIES_PER_PARTNER; n += 1) {
    const choice = random.int(0, 4);
    let kind: string;
    let target = '';
    let permitted: boolean;
    let response: GqlResponse;
    if (choice === 0) {
      kind = 'campaignReport';
      const own = role === 'BRAND' && random.next() < 0.6;
      target = own ? `cmp-${partnerId}` : `cmp-${random.pick(brandIds.filter((id) => id !== partnerId))}`;
      permitted = own;
      response = await harness.gql(REPORT, { id: target }, token);
    } else if (choice === 1 || choice === 2) {
      kind = 'segmentSize';
      target = random.pick(segmentIds);
      permitted = role === 'BRAND' && contract.segments.includes(target);
      response = await harness.gql(SIZE, { id: target }, token);
    } else if (choice === 3) {
      kind = 'crossIndustryTriggers';
      permitted = role === 'QSR';
      response = await harness.gql(TRIGGERS, {}, token);
    } else {
      kind = 'privacyBudget';
      permitted = true;
      response = await harness.gql(BUDGET_QUERY, {}, token);
    }
    outcomes.push({ partnerId, kind, permitted, target, response });
  }
  return outcomes;
}

describe('privacy invariants with 100 concurrent partners', () => {
  it('never crosses tenants, never releases a row below k, never overspends a budget', async () => {
    const started = performance.now();
    const sessions = await Promise.all([...brandIds, ...qsrIds].map((id) => partnerSession(id)));
    const elapsedMs = performance.now() - started;
    const outcomes = sessions.flat();
    const tally: Record<string, number> = {};
    const spent = new Map<string, number>();
    for (const outcome of outcomes) {
      const { partnerId, kind, permitted, target, response } = outcome;
      const contract = contractOf.get(partnerId)!;
      const errorCodes = codes(response);
      const label = `${kind} by ${partnerId} on ${target}`;
      tally[`${kind}:${errorCodes[0] ?? 'answered'}`] =
        (tally[`${kind}:${errorCodes[0] ?? 'answered'}`] ?? 0) + 1;
      // No answer names another partner's campaign (or id).
      const text = JSON.stringify(response.data ?? null);
      for (const other of brandIds)
        if (other !== partnerId) expect(text, label).not.toContain(`cmp-${other}"`);
      if (!permitted) {
        expect(errorCodes.length, `${label} is refused`).toBeGreaterThan(0);
        expect(
          errorCodes.every((code) => code === 'FORBIDDEN' || code === 'NOT_FOUND'),
          `${label}: ${errorCodes.join()}`,
        ).toBe(true);
        expect(response.data?.[kind] ?? null, label).toBeNull();
        continue;
      }
      if (errorCodes.length > 0) {
        // A permitted query may only be refused for its privacy reasons.
        const allowed =
          kind === 'segmentSize' ? ['BELOW_THRESHOLD', 'BUDGET_EXHAUSTED'] : ['BUDGET_EXHAUSTED'];
        expect(
          errorCodes.every((code) => allowed.includes(code)),
          `${label}: ${errorCodes.join()}`,
        ).toBe(true);
        // A refusal below k was decided on the noised value and charged like an answer.
        if (errorCodes.includes('BELOW_THRESHOLD'))
          spent.set(partnerId, (spent.get(partnerId) ?? 0) + EPSILON);
        continue;
      }
      if (kind === 'segmentSize') {
        const size = response.data?.['segmentSize'] as { value: number; epsilonSpent: number };
        expect(size.value, `${label} released at or above k`).toBeGreaterThanOrEqual(contract.kThreshold);
        spent.set(partnerId, (spent.get(partnerId) ?? 0) + size.epsilonSpent);
      } else if (kind === 'campaignReport') {
        const report = response.data?.['campaignReport'] as {
          campaignId: string;
          kThreshold: number;
          epsilonSpent: number;
          rows: Array<{ day: string; channel: string; exposedSubjects: number }>;
        };
        expect(report.campaignId).toBe(`cmp-${partnerId}`);
        expect(report.kThreshold).toBeGreaterThanOrEqual(contract.kThreshold);
        for (const row of report.rows) {
          expect(row.exposedSubjects, `${label} row ${row.day}/${row.channel}`).toBeGreaterThanOrEqual(
            contract.kThreshold,
          );
        }
        spent.set(partnerId, (spent.get(partnerId) ?? 0) + report.epsilonSpent);
      } else if (kind === 'crossIndustryTriggers') {
        const edges = (
          response.data?.['crossIndustryTriggers'] as {
            edges: Array<{ node: { category: string; region: string; distinctBuyers: number } }>;
          }
        ).edges;
        for (const { node } of edges) {
          expect(contract.triggerCategories, label).toContain(node.category);
          expect(contract.triggerRegions, label).toContain(node.region);
        }
      }
    }
    // No budget overspent, neither by what was answered nor by the ledger's own account.
    for (const [partnerId, total] of spent) expect(total, partnerId).toBeLessThanOrEqual(BUDGET + 1e-9);
    for (const partnerId of brandIds.slice(0, 20)) {
      const status = (await harness.gql(BUDGET_QUERY, {}, await harness.token(partnerId, 'BRAND'))).data?.[
        'privacyBudget'
      ] as { epsilonSpent: number; epsilonLimit: number };
      expect(status.epsilonSpent).toBeLessThanOrEqual(status.epsilonLimit + 1e-9);
      expect(status.epsilonSpent).toBeCloseTo(spent.get(partnerId) ?? 0, 9);
    }
    expect(tally['segmentSize:BELOW_THRESHOLD'] ?? 0).toBeGreaterThan(0);
    expect((tally['campaignReport:FORBIDDEN'] ?? 0) + (tally['segmentSize:FORBIDDEN'] ?? 0)).toBeGreaterThan(
      0,
    );
    recordFigure('privacy-under-load', {
      seed: random.seed,
      partners: BRANDS + QSRS,
      requests: outcomes.length,
      requestsPerSecond: Math.round((outcomes.length * 1000) / elapsedMs),
      outcomes: tally,
    });
  }, 300_000);
});
