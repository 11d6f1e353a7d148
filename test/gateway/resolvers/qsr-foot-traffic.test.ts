/**
 * Foot-traffic triggers reach a restaurant chain the way demand triggers do: `crossIndustryTriggers` and
 * `triggerFired`, governed by its contract's `visibility.footTraffic` block (regions, least lift), the noised
 * entries tested against k, every decision in the audit log for the privacy officer. Real parts: the real policies
 * (contract registry, budget ledger, Merkle audit log) on SQLite files, the embedded SQLite log the gateway
 * materializes `cleanroom.triggers` from, real HTTP requests and a real graphql-ws client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerContractInput } from '../../../policies/index.ts';
import { TOPICS } from '../../../schema/index.ts';
import type { Trigger } from '../../../schema/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, wsClient } from '../support/clients.ts';
import { codes, startHarness, trigger } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

const qsr = (
  partnerId: string,
  footTraffic?: { regions: string[]; minLift: number },
): PartnerContractInput => ({
  partnerId,
  kind: 'QSR',
  purposes: ['trigger'],
  visibility: {
    triggers: { categories: ['burgers'], regions: ['west'] },
    ...(footTraffic === undefined ? {} : { footTraffic }),
  },
  kThreshold: 50,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 100, window: 'month' } },
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 10 },
});

/** A foot-traffic trigger record as the stage writes it (noised entries in `observed`, no buyers). */
function footTrigger(region: string, hour: number, lift: number, entries: number): Trigger {
  const windowStart = new Date(Date.UTC(2026, 10, 1, hour)).toISOString();
  return {
    triggerId: `foot-traffic:${region}:${windowStart}`,
    input: 'foot_traffic',
    category: 'foot_traffic',
    region,
    windowStart,
    windowEnd: new Date(Date.UTC(2026, 10, 1, hour + 1)).toISOString(),
    lift,
    baseline: Math.round(entries / lift),
    observed: entries,
    distinctBuyers: 0,
    footTrafficMechanism: {
      epsilon: 1,
      maxEntriesPerRecord: 100,
      delta: 1e-6,
      entryThreshold: 1_414,
      seasonWindows: 24,
    },
    hostOnly: {
      units: entries + 7,
      distinctBuyers: 40,
      boundedUnits: entries - 3,
      boundedDistinctBuyers: 40,
    },
  };
}

interface TriggerNode {
  id: string;
  input: 'PURCHASES' | 'FOOT_TRAFFIC';
  category: string;
  region: string;
  lift: number;
  distinctBuyers: number | null;
  entries: number | null;
}

const FIELDS = 'id input category region lift distinctBuyers entries';
const TRIGGERS = `query ($categories: [String!], $regions: [String!]) {
  crossIndustryTriggers(categories: $categories, regions: $regions) { edges { node { ${FIELDS} } } } }`;

describe('foot-traffic triggers for restaurant chains (real policies, HTTP and WebSocket)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      real: {
        contractInputs: [qsr('qsr-foot', { regions: ['west', 'east'], minLift: 1.8 }), qsr('qsr-plain')],
      },
    });
    await harness.produce(TOPICS.triggers, 'a', footTrigger('west', 12, 2.1, 3_000));
    await harness.produce(TOPICS.triggers, 'b', footTrigger('east', 13, 1.6, 2_400)); // below the lift it asked
    await harness.produce(TOPICS.triggers, 'c', footTrigger('north', 14, 2.5, 3_100)); // a region not named
    await harness.produce(TOPICS.triggers, 'd', footTrigger('west', 15, 2.2, 40)); // noised entries below k
    await harness.produce(TOPICS.triggers, 'e', trigger('burgers', 'west', 12, 120));
    await waitFor(() => harness.gateway.services.readModels.triggers().length === 5);
  });
  afterAll(async () => {
    await harness.close();
  });

  const nodes = (response: Awaited<ReturnType<Harness['gql']>>): TriggerNode[] =>
    (
      response.data?.['crossIndustryTriggers'] as { edges: Array<{ node: TriggerNode }> } | undefined
    )?.edges.map((edge) => edge.node) ?? [];

  it('answers a subscribing contract its foot-traffic surges beside its demand triggers', async () => {
    const response = await harness.gql(TRIGGERS, {}, await harness.token('qsr-foot', 'QSR'));
    expect(response.errors).toBeUndefined();
    // In window order (then id); nothing else of the five: east below its lift, north not named, one below k.
    expect(nodes(response)).toEqual([
      {
        id: 'foot-traffic:west:2026-11-01T12:00:00.000Z',
        input: 'FOOT_TRAFFIC',
        category: 'foot_traffic',
        region: 'west',
        lift: 2.1,
        distinctBuyers: null,
        entries: 3_000,
      },
      {
        id: 'trigger:burgers:west:2026-11-01T12:00:00.000Z',
        input: 'PURCHASES',
        category: 'burgers',
        region: 'west',
        lift: 2.4,
        distinctBuyers: 120,
        entries: null,
      },
    ]);
    // Narrowed to foot traffic: the category filter works as for product categories.
    const narrowed = await harness.gql(
      TRIGGERS,
      { categories: ['foot_traffic'] },
      await harness.token('qsr-foot', 'QSR'),
    );
    expect(nodes(narrowed).map((node) => node.id)).toEqual(['foot-traffic:west:2026-11-01T12:00:00.000Z']);
  });

  it('shows a contract without the block no foot traffic, and refuses it when asked', async () => {
    const token = await harness.token('qsr-plain', 'QSR');
    const all = await harness.gql(TRIGGERS, {}, token);
    expect(nodes(all).map((node) => node.input)).toEqual(['PURCHASES']);
    const asked = await harness.gql(TRIGGERS, { categories: ['foot_traffic'] }, token);
    expect(codes(asked)).toEqual(['FORBIDDEN']);
    // A region outside the block is refused too, not answered empty.
    const north = await harness.gql(
      TRIGGERS,
      { categories: ['foot_traffic'], regions: ['north'] },
      await harness.token('qsr-foot', 'QSR'),
    );
    expect(codes(north)).toEqual(['FORBIDDEN']);
  });

  it('pushes new foot-traffic surges over graphql-ws to a subscribing contract only', async () => {
    const subscription = `subscription ($categories: [String!]) { triggerFired(categories: $categories) { ${FIELDS} } }`;
    const footClient = wsClient(harness.url, await harness.token('qsr-foot', 'QSR'));
    const plainClient = wsClient(harness.url, await harness.token('qsr-plain', 'QSR'));
    const foot = collect<TriggerNode>(footClient, subscription, 'triggerFired', {
      categories: ['foot_traffic'],
    });
    const plain = collect<TriggerNode>(plainClient, subscription, 'triggerFired');
    try {
      await waitFor(
        async () =>
          (await harness.auditEntries()).filter((entry) => entry.action === 'triggers.subscribe').length >= 2,
      );
      await harness.produce(TOPICS.triggers, 'f', footTrigger('east', 18, 1.5, 2_500)); // below 1.8: not pushed
      await harness.produce(TOPICS.triggers, 'g', footTrigger('east', 19, 2.6, 5_200));
      // A demand trigger produced last: once the plain contract has it, it has seen everything before it.
      await harness.produce(TOPICS.triggers, 'h', trigger('burgers', 'west', 19, 90));
      await waitFor(() => foot.items.length >= 1 && plain.items.length >= 1, { timeout: 10_000 });
    } finally {
      foot.stop();
      plain.stop();
      await footClient.dispose();
      await plainClient.dispose();
    }
    expect(foot.errors).toEqual([]);
    expect(foot.items).toEqual([
      {
        id: 'foot-traffic:east:2026-11-01T19:00:00.000Z',
        input: 'FOOT_TRAFFIC',
        category: 'foot_traffic',
        region: 'east',
        lift: 2.6,
        distinctBuyers: null,
        entries: 5_200,
      },
    ]);
    expect(plain.items.map((node) => node.id)).toEqual(['trigger:burgers:west:2026-11-01T19:00:00.000Z']);
  });

  it('lets the privacy officer see each decision, allowed and refused, with its reasons and contract version', async () => {
    const response = await harness.gql(
      `query ($filter: DecisionFilter) { policyDecisions(filter: $filter, first: 100) {
        edges { node { principal action effect code reasons contractVersion epsilonSpent } } } }`,
      { filter: { role: 'QSR' } },
      await harness.token('officer-1', 'PRIVACY_OFFICER'),
    );
    expect(response.errors).toBeUndefined();
    const decisions = (
      response.data?.['policyDecisions'] as {
        edges: Array<{
          node: {
            principal: string;
            action: string;
            effect: string;
            code: string | null;
            reasons: string[];
            contractVersion: string | null;
          };
        }>;
      }
    ).edges.map((edge) => edge.node);
    const allowedFoot = decisions.filter(
      (decision) => decision.principal === 'qsr-foot' && decision.effect === 'allow',
    );
    expect(allowedFoot.map((decision) => decision.action)).toEqual(
      expect.arrayContaining(['triggers.read', 'triggers.subscribe']),
    );
    expect(allowedFoot.every((decision) => decision.contractVersion?.startsWith('sha256:'))).toBe(true);
    expect(
      allowedFoot.some((decision) => decision.reasons.some((reason) => /foot-traffic/.test(reason))),
    ).toBe(true);
    const refused = decisions.filter(
      (decision) => decision.principal === 'qsr-plain' && decision.effect === 'deny',
    );
    expect(refused).toContainEqual(
      expect.objectContaining({
        action: 'triggers.read',
        code: 'FORBIDDEN',
        reasons: [expect.stringMatching(/foot-traffic triggers not shared/)],
      }),
    );
    // The audit log that holds them verifies.
    const verified = await harness.gql(
      '{ verifyAuditLog { valid size } }',
      {},
      await harness.token('officer-1', 'PRIVACY_OFFICER'),
    );
    expect(verified.data?.['verifyAuditLog']).toMatchObject({ valid: true });
  });
});
