/**
 * The attack suite: an adversarial brand against the real product (`cleanroom serve` as a user runs it, the
 * sample contracts, real HTTP and WebSocket clients). Shoppers enter through `retail.loyalty` as the host's
 * loyalty system would write them. Each attack states the attacker's success rate over many trials and asserts
 * it stays within the differential-privacy bound of what was charged: for one epsilon-DP answer, no guess of
 * one shopper's presence is right with probability above e^eps / (1 + e^eps), plus the sampling margin of
 * `samplingMargin` (3.5 binomial standard deviations).
 *
 * Changes to the sample contracts, each needed to measure hundreds of trials and named where used: fresh-oats
 * and sparkle-soda get a budget of 100 per month and the host an upload cap of 1,000 per window (the stock
 * budgets stop the attacker after a few dozen answers — which the budget attack below shows with a stock-sized
 * budget), and one test-only brand, `probe-brand`, with a budget of 15 per day.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { TOPICS } from '../../schema/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  copySampleContracts,
  dpGuessBound,
  overlap,
  samplingMargin,
  shoppers,
  strangers,
  upload,
  uploadHash,
  writeLoyalty,
} from './support.ts';

const known = shoppers('known', 99); // shoppers the attacker knows are in (measurable)
const members = shoppers('member', 120); // targets that are measurable shoppers
const optedOut = shoppers('optedout', 60); // shoppers whose latest record withdraws every consent
const erased = shoppers('erased', 12); // shoppers who asked to be erased

/** A trial's outcome: whether the target was in, and what the attacker guessed. */
interface Trial {
  member: boolean;
  guess: boolean;
}

const successRate = (trials: Trial[]) =>
  trials.filter((trial) => trial.member === trial.guess).length / trials.length;

/** Interleave `a` and `b` at random, so the order of trials tells nothing. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor((Number.parseInt(randomUUID().slice(0, 8), 16) / 0x1_0000_0000) * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

describe('attack suite (an adversarial brand against the product)', () => {
  let dataDir: string;
  let product: ServeProcess;
  let url: string;
  const token = (id: string) => {
    const value = product.tokens.get(id);
    if (value === undefined) throw new Error(`no token for ${id}`);
    return value;
  };

  beforeAll(async () => {
    dataDir = createTempDir('attacks');
    const contracts = path.join(dataDir, 'contracts');
    copySampleContracts(contracts, (file, document) => {
      if (file === 'host.yaml') {
        return { ...document, privacy: { uploads: { minimumSize: 100, maxPerWindow: 1_000 } } };
      }
      if (file === 'fresh-oats.yaml' || file === 'sparkle-soda.yaml') {
        const dp = document['dp'] as Record<string, unknown>;
        return { ...document, dp: { ...dp, budget: { epsilon: 100, window: 'month' } } };
      }
      return document;
    });
    fs.writeFileSync(
      path.join(contracts, 'probe-brand.yaml'),
      stringify({
        partnerId: 'probe-brand',
        kind: 'BRAND',
        purposes: ['measurement', 'activation'],
        visibility: { segments: ['high-value-loyalty'], campaigns: 'own' },
        kThreshold: 50,
        dp: { epsilonPerQuery: 0.5, budget: { epsilon: 15, window: 'day' } },
        pseudonymousSignals: true,
      }),
    );
    product = await startServe({
      dataDir,
      args: ['--no-simulate', '--dev-tokens', '--contracts', contracts],
    });
    url = product.graphqlUrl;
    // Half the opted-out shoppers join with every consent withheld (the host default: the record that was
    // never passed on before), half join consenting and withdraw later.
    await writeLoyalty(path.join(dataDir, 'log.sqlite'), [
      ...[...known, ...members, ...optedOut.slice(30), ...erased].map((shopper) => ({
        shopper,
        consent: true,
      })),
      ...optedOut.map((shopper) => ({ shopper, consent: false })),
      ...erased.map((shopper) => ({ shopper, consent: true, erase: true })),
    ]);
    const total = known.length + members.length + optedOut.length + erased.length;
    await waitFor(
      async () => {
        const summary = await graphql<{
          consentSummary: { total: number; optedOut: number; erased: number };
        }>(url, token('dpo'), '{ consentSummary { total optedOut erased } }');
        const counts = summary.data?.consentSummary;
        return (
          counts?.total === total && counts.optedOut === optedOut.length && counts.erased === erased.length
        );
      },
      { timeout: 60_000, message: 'the loyalty records through ingest to the gateway' },
    );
  }, 180_000);

  afterAll(async () => {
    await product?.stop();
    removeTempDir(dataDir);
  });

  type DecisionNode = { effect: string; code: string | null; reasons: string[]; epsilonSpent: number };

  /** Every decision of a partner's action in the audit log, as the privacy officer reads them. */
  async function decisionsOf(partnerId: string, action: string): Promise<DecisionNode[]> {
    const nodes: DecisionNode[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        data?: {
          policyDecisions: {
            edges: Array<{ node: DecisionNode }>;
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        };
      } = await graphql(
        url,
        token('dpo'),
        `query ($after: String) { policyDecisions(filter: { principal: "${partnerId}", action: "${action}" }, first: 100, after: $after) {
          edges { node { effect code reasons epsilonSpent } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      const connection = page.data?.policyDecisions;
      if (connection === undefined) throw new Error('the decision log did not answer');
      nodes.push(...connection.edges.map((edge) => edge.node));
      if (!connection.pageInfo.hasNextPage) return nodes;
      after = connection.pageInfo.endCursor;
    }
  }

  it('membership oracle: 200 fresh targets guessed no better than the DP bound, every attempt charged', async () => {
    // k - 1 = 49 shoppers known to be in, the target, and 50 hashes no shopper has (the list must hold 100,
    // and differ from every earlier list by at least k so the difference check lets it through).
    const brand = token('fresh-oats');
    const base = known.slice(0, 49).map((shopper) => uploadHash(shopper.email));
    const targets = shuffled([
      ...members.slice(0, 100).map((shopper) => ({ hash: uploadHash(shopper.email), member: true })),
      ...strangers(100).map((hash) => ({ hash, member: false })),
    ]);
    const trials: Trial[] = [];
    for (const target of targets) {
      const id = await upload(url, brand, [...base, target.hash, ...strangers(50)]);
      const answer = await overlap(url, brand, id);
      if ('code' in answer) expect(answer.code).toBe('BELOW_THRESHOLD');
      // The best test of a noisy threshold at k: "answered" means the noised count reached 50.
      trials.push({ member: target.member, guess: !('code' in answer) });
    }
    const rate = successRate(trials);
    const bound = dpGuessBound(0.5);
    console.log(
      `membership oracle: ${trials.length} trials, attacker right ${(rate * 100).toFixed(1)}% ` +
        `(DP bound ${(bound * 100).toFixed(1)}% + margin ${(samplingMargin(bound, trials.length) * 100).toFixed(1)}%)`,
    );
    expect(rate).toBeLessThanOrEqual(bound + samplingMargin(bound, trials.length));

    // Every attempt — answer or refusal — was charged epsilon 0.5 and audited before it left.
    const overlaps = await decisionsOf('fresh-oats', 'audience.overlap');
    expect(overlaps).toHaveLength(200);
    expect(overlaps.every((node) => node.epsilonSpent === 0.5)).toBe(true);
  }, 240_000);

  it('opted-out and erased shoppers: an overlap tells them from strangers no better than chance', async () => {
    // sparkle-soda: k = 100, epsilon 0.25. 99 known shoppers, then either all 72 shoppers who withdrew every
    // consent or were erased, or 72 strangers. Were the withdrawn ones counted, the overlap would be 72 higher
    // and the attacker right nearly every time (noise scale 4); counted alike — not at all — it stays at chance.
    const brand = token('sparkle-soda');
    const base = known.map((shopper) => uploadHash(shopper.email));
    const withdrawn = [...optedOut, ...erased].map((shopper) => uploadHash(shopper.email));
    const targets = shuffled([
      ...Array.from({ length: 20 }, () => ({ member: true })),
      ...Array.from({ length: 20 }, () => ({ member: false })),
    ]);
    const trials: Trial[] = [];
    for (const target of targets) {
      const added = target.member ? withdrawn : strangers(withdrawn.length);
      const id = await upload(url, brand, [...base, ...added, ...strangers(101)]);
      const answer = await overlap(url, brand, id);
      // The attacker's rule: an overlap well above the 99 it knows of means withdrawn shoppers were counted
      // (the 30 who never consented alone would add 30; 15 is half-way, 3.75 noise scales from either side).
      trials.push({ member: target.member, guess: 'value' in answer && answer.value >= 99 + 15 });
    }
    const rate = successRate(trials);
    console.log(
      `opted-out and erased: ${trials.length} trials, attacker right ${(rate * 100).toFixed(1)}% ` +
        `(chance 50% + margin ${(samplingMargin(0.5, trials.length) * 100).toFixed(1)}%)`,
    );
    expect(rate).toBeLessThanOrEqual(0.5 + samplingMargin(0.5, trials.length));
  }, 240_000);

  it('differencing by one subject: refused with DIFFERENCE_CHECK whoever the subject is, charged and audited with both uploads', async () => {
    const brand = token('probe-brand');
    const list = [...known.slice(0, 49).map((shopper) => uploadHash(shopper.email)), ...strangers(51)];
    const first = await upload(url, brand, list);
    // Asked once (answered or not): the list now takes part in the difference checks.
    await overlap(url, brand, first);
    const targets = shuffled([
      ...members.slice(100, 105).map((shopper) => ({ hash: uploadHash(shopper.email), member: true })),
      ...strangers(5).map((hash) => ({ hash, member: false })),
    ]);
    const trials: Trial[] = [];
    const bodies = new Set<string>();
    for (const target of targets) {
      const id = await upload(url, brand, [...list, target.hash]);
      const answer = await overlap(url, brand, id);
      expect(answer).toMatchObject({ code: 'DIFFERENCE_CHECK' });
      if ('body' in answer) bodies.add(answer.body.replaceAll(id, '<upload>'));
      trials.push({ member: target.member, guess: 'value' in answer });
    }
    // The refusal is the same for a member and a stranger: the attacker learns nothing (50% right).
    expect(successRate(trials)).toBe(0.5);
    expect(bodies.size).toBe(1);
    const refusals = (await decisionsOf('probe-brand', 'audience.overlap')).filter(
      (node) => node.code === 'DIFFERENCE_CHECK',
    );
    expect(refusals).toHaveLength(10);
    for (const refusal of refusals) {
      expect(refusal.epsilonSpent).toBe(0.5);
      expect(refusal.reasons.join(' ')).toContain(first);
    }
  });

  it('averaging repeated queries: the budget ends the answers, and then members and strangers look the same', async () => {
    const brand = token('probe-brand');
    const status = async () =>
      (
        await graphql<{ privacyBudget: { epsilonRemaining: number } }>(
          url,
          brand,
          '{ privacyBudget { epsilonRemaining } }',
        )
      ).data?.privacyBudget.epsilonRemaining ?? 0;
    const remaining = await status();
    const id = await upload(url, brand, [
      ...known.slice(0, 60).map((s) => uploadHash(s.email)),
      ...strangers(40),
    ]);
    let answers = 0;
    for (;;) {
      const answer = await overlap(url, brand, id);
      if ('code' in answer && answer.code === 'BUDGET_EXHAUSTED') break;
      answers += 1;
      if (answers > 100) throw new Error('the budget never ran out');
    }
    // At 0.5 per query the attacker gets floor(remaining / 0.5) noised answers, no more: averaging n of them
    // leaks at most what an n * 0.5-DP answer does.
    expect(answers).toBe(Math.floor(remaining / 0.5 + 1e-9));
    expect(await status()).toBeLessThan(0.5);

    // Probing after the budget is spent: the same refusal, byte for byte, for a member and for a stranger.
    const bodies = new Set<string>();
    const trials: Trial[] = [];
    for (const target of shuffled([
      ...members.slice(105, 115).map((shopper) => ({ hash: uploadHash(shopper.email), member: true })),
      ...strangers(10).map((hash) => ({ hash, member: false })),
    ])) {
      const probe = await upload(url, brand, [
        ...known.slice(0, 49).map((s) => uploadHash(s.email)),
        target.hash,
        ...strangers(50),
      ]);
      const answer = await overlap(url, brand, probe);
      expect(answer).toMatchObject({ code: 'BUDGET_EXHAUSTED' });
      if ('body' in answer) bodies.add(answer.body.replaceAll(probe, '<upload>'));
      trials.push({ member: target.member, guess: 'value' in answer });
    }
    expect(bodies.size).toBe(1);
    expect(successRate(trials)).toBe(0.5);
  });

  it('cross-tenant ids: another partner’s upload or campaign is refused exactly as one that does not exist', async () => {
    const owner = token('fresh-oats');
    const theirs = await upload(url, owner, strangers(100));
    const other = token('sparkle-soda');
    const foreign = await overlap(url, other, theirs);
    const missing = await overlap(url, other, randomUUID());
    expect(foreign).toMatchObject({ code: 'FORBIDDEN' });
    expect(missing).toEqual(foreign);
    const report = async (campaignId: string) =>
      graphql(url, other, `{ campaignReport(campaignId: "${campaignId}") { campaignId } }`);
    const log = createEmbeddedLog({ path: path.join(dataDir, 'log.sqlite') });
    try {
      await log.produce(TOPICS.campaigns, [
        {
          key: 'cmp-fresh-oats-1',
          value: JSON.stringify({
            campaignId: 'cmp-fresh-oats-1',
            brand: 'fresh-oats',
            name: 'Oat milk',
            startsAt: '2026-11-01T00:00:00Z',
            products: { brands: ['fresh-oats'] },
            clickLookbackDays: 14,
            viewLookbackDays: 1,
            holdoutPercent: 0,
          }),
        },
      ]);
    } finally {
      await log.close();
    }
    await waitFor(async () => {
      const own = await graphql<{ campaigns: Array<{ id: string }> }>(url, owner, '{ campaigns { id } }');
      return (own.data?.campaigns ?? []).some((campaign) => campaign.id === 'cmp-fresh-oats-1');
    });
    const existing = await report('cmp-fresh-oats-1');
    const absent = await report('cmp-nowhere');
    expect(existing.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(absent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(existing.errors?.[0]?.message).toBe(absent.errors?.[0]?.message);
  });

  it('signals below the activation minimum: a small segment sends nothing, each gate decision audited', async () => {
    const brand = token('probe-brand');
    // Twelve members of the segment (below the host minimum of 100), each with partner-sharing consent, written
    // as ingest and the segments stage would: the only thing between them and the partner is the gate.
    const log = createEmbeddedLog({ path: path.join(dataDir, 'log.sqlite') });
    const subscriber = wsClient(url, brand);
    const signals = collect<{ segmentId: string }>(
      subscriber,
      'subscription { audienceSignals(segmentIds: ["high-value-loyalty"]) { segmentId action } }',
      'audienceSignals',
    );
    try {
      await waitFor(async () => {
        const decisions = await graphql<{ policyDecisions: { edges: unknown[] } }>(
          url,
          token('dpo'),
          '{ policyDecisions(filter: { principal: "probe-brand", action: "signals.activation" }, first: 10) { edges { cursor } } }',
        );
        return (decisions.data?.policyDecisions.edges.length ?? 0) >= 1;
      });
      await log.produce(
        TOPICS.consent,
        members.slice(0, 12).map((shopper, index) => ({
          key: shopper.loyaltyId,
          value: JSON.stringify({
            changeId: `consent:attack-gate-${index}`,
            subjectId: shopper.loyaltyId,
            occurredAt: '2026-11-21T00:00:00.000Z',
            consent: { measurement: true, personalization: true, partnerSharing: true },
            erased: false,
          }),
        })),
      );
      await log.produce(
        TOPICS.segmentChanges,
        members.slice(0, 12).map((shopper, index) => ({
          key: shopper.loyaltyId,
          value: JSON.stringify({
            changeId: `seg:high-value-loyalty:${shopper.loyaltyId}:${index}`,
            segmentId: 'high-value-loyalty',
            subjectId: shopper.loyaltyId,
            action: 'entered',
            at: '2026-11-21T00:00:00.000Z',
            cause: 'event',
            segmentSize: index + 1,
            partnerSharing: true,
          }),
        })),
      );
      await waitFor(async () => {
        const health = await fetch(`${product.baseUrl}/readyz`);
        return health.status === 200;
      });
      const decisions = await graphql<{
        policyDecisions: { edges: Array<{ node: { effect: string; code: string | null } }> };
      }>(
        url,
        token('dpo'),
        '{ policyDecisions(filter: { principal: "probe-brand", action: "signals.activation" }, first: 10) { edges { node { effect code } } } }',
      );
      const nodes = decisions.data?.policyDecisions.edges.map((edge) => edge.node) ?? [];
      expect(nodes.length).toBeGreaterThan(0);
      expect(nodes.every((node) => node.effect === 'deny')).toBe(true);
      expect(signals.items).toEqual([]);
    } finally {
      signals.stop();
      await subscriber.dispose();
      await log.close();
    }
  });
});
