/**
 * Obligations and refusals: below-threshold and exhausted-budget answers are refused and audited, a failing
 * audit log fails the request closed, overlaps need an own upload, triggers page through a Relay connection
 * inside the contract, rate limits, introspection and body limits hold.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { brandContract, codes, fillSegment, qsrContract, startHarness, trigger } from './support/harness.ts';
import type { Harness } from './support/harness.ts';

const hashOf = (email: string) => createHash('sha256').update(email).digest('base64');

describe('governed answers', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      contracts: [
        brandContract('brand-acme', {
          budgetEpsilon: 1,
          epsilonPerAggregate: 0.5,
          segments: ['seg-big', 'seg-small'],
        }),
        brandContract('brand-zest', { segments: ['seg-big'] }),
        brandContract('brand-busy', { segments: ['seg-big'] }),
        brandContract('brand-limited', { segments: [], requestsPerMinute: 3 }),
        qsrContract('qsr-burger', { triggerCategories: ['coffee'], triggerRegions: ['west'] }),
      ],
    });
    await fillSegment(harness, 'seg-big', 120, 'big');
    await fillSegment(harness, 'seg-small', 10, 'small');
    await waitFor(() => harness.gateway.services.readModels.segmentSize('seg-big') === 120);
    await waitFor(() => harness.gateway.services.readModels.segmentSize('seg-small') === 10);
  });
  afterAll(async () => {
    await harness.close();
  });

  const sizeQuery = 'query ($id: ID!) { segmentSize(segmentId: $id) { value epsilonSpent } }';

  it('refuses a count below k with BELOW_THRESHOLD and audits the refusal', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    const before = harness.audit.entries.length;
    const response = await harness.gql(sizeQuery, { id: 'seg-small' }, token);
    expect(codes(response)).toEqual(['BELOW_THRESHOLD']);
    expect(response.data).toBeNull();
    // The refusal was decided on the noised count and paid for like an answer: a free refusal is an oracle.
    expect(harness.audit.entries.slice(before)).toEqual([
      expect.objectContaining({
        action: 'segment.size',
        effect: 'deny',
        code: 'BELOW_THRESHOLD',
        resource: 'segment:seg-small',
        result: { epsilonSpent: 0.5 },
      }),
    ]);
  });

  it('spends the budget and then refuses with BUDGET_EXHAUSTED, audited', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    // The refusal above cost 0.5 of the budget of 1: one answer is left.
    expect((await harness.gql(sizeQuery, { id: 'seg-big' }, token)).errors).toBeUndefined();
    const budget = await harness.gql(
      '{ privacyBudget { epsilonLimit epsilonSpent epsilonRemaining } }',
      {},
      token,
    );
    expect(budget.data?.['privacyBudget']).toEqual({ epsilonLimit: 1, epsilonSpent: 1, epsilonRemaining: 0 });
    const before = harness.audit.entries.length;
    const refused = await harness.gql(sizeQuery, { id: 'seg-big' }, token);
    expect(codes(refused)).toEqual(['BUDGET_EXHAUSTED']);
    expect(harness.audit.entries.slice(before)).toEqual([
      expect.objectContaining({ action: 'segment.size', effect: 'deny', code: 'BUDGET_EXHAUSTED' }),
    ]);
    const officer = await harness.token('officer-1', 'PRIVACY_OFFICER');
    const decisions = await harness.gql(
      '{ policyDecisions(filter: { principal: "brand-acme" }, first: 100) { edges { node { action effect code } } } }',
      {},
      officer,
    );
    const seen = (
      decisions.data?.['policyDecisions'] as { edges: Array<{ node: { code: string | null } }> }
    ).edges.map((edge) => edge.node.code);
    expect(seen).toContain('BELOW_THRESHOLD');
    expect(seen).toContain('BUDGET_EXHAUSTED');
  });

  it('fails closed when the audit log cannot record the decision', async () => {
    const token = await harness.token('brand-zest', 'BRAND');
    harness.audit.failAppends = true;
    try {
      const response = await harness.gql(sizeQuery, { id: 'seg-big' }, token);
      expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(response.data).toBeNull();
    } finally {
      harness.audit.failAppends = false;
    }
  });

  it('answers an overlap only for the brand’s own upload, thresholded', async () => {
    for (let index = 0; index < 70; index += 1)
      harness.identityLinks.set(hashOf(`shopper${index}@example.com`), `big-${index}`);
    const token = await harness.token('brand-zest', 'BRAND');
    const hashes = Array.from({ length: 90 }, (_, index) => hashOf(`shopper${index}@example.com`));
    const upload = await harness.gql(
      'mutation ($h: [String!]!) { uploadAudience(name: "loyal", hashedEmails: $h) { id submitted } }',
      { h: hashes },
      token,
    );
    const { id, submitted } = upload.data?.['uploadAudience'] as { id: string; submitted: number };
    expect(submitted).toBe(90);
    const overlap = await harness.gql(
      'query ($id: ID!) { audienceOverlap(uploadId: $id) { uploadId overlap { value epsilonSpent } } }',
      { id },
      token,
    );
    expect(overlap.errors).toBeUndefined();
    const other = await harness.gql(
      'query ($id: ID!) { audienceOverlap(uploadId: $id) { uploadId } }',
      { id },
      await harness.token('brand-busy', 'BRAND'),
    );
    expect(codes(other)).toEqual(['FORBIDDEN']);
    const bad = await harness.gql(
      'mutation { uploadAudience(name: "x", hashedEmails: ["alice@example.com"]) { id } }',
      {},
      token,
    );
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
  });

  it('pages triggers inside the contract’s categories and regions', async () => {
    for (let hour = 0; hour < 5; hour += 1) {
      await harness.produce(TOPICS.triggers, null, trigger('coffee', 'west', hour));
      await harness.produce(TOPICS.triggers, null, trigger('coffee', 'east', hour));
    }
    await harness.produce(TOPICS.triggers, null, trigger('coffee', 'west', 6, 3));
    await waitFor(() => harness.gateway.services.readModels.triggers().length === 11);
    const token = await harness.token('qsr-burger', 'QSR');
    const query = `query ($after: String) { crossIndustryTriggers(first: 2, after: $after) {
      edges { cursor node { id region category distinctBuyers } } pageInfo { hasNextPage endCursor } } }`;
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await harness.gql(query, after === undefined ? {} : { after }, token);
      const connection = page.data?.['crossIndustryTriggers'] as {
        edges: Array<{ node: { id: string; region: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      ids.push(...connection.edges.map((edge) => edge.node.id));
      expect(connection.edges.every((edge) => edge.node.region === 'west')).toBe(true);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor ?? undefined;
    }
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it('rate-limits a partner by its contract', async () => {
    const token = await harness.token('brand-limited', 'BRAND');
    const results = [];
    for (let index = 0; index < 5; index += 1)
      results.push(codes(await harness.gql('{ me { id } }', {}, token)));
    expect(results.slice(0, 3)).toEqual([[], [], []]);
    expect(results.slice(3)).toEqual([['RATE_LIMITED'], ['RATE_LIMITED']]);
  });

  it('refuses introspection to partners outside development but not to the host', async () => {
    const partner = await harness.gql(
      '{ __schema { queryType { name } } }',
      {},
      await harness.token('brand-zest', 'BRAND'),
    );
    expect(codes(partner)).toEqual(['FORBIDDEN']);
    const host = await harness.gql(
      '{ __schema { queryType { name } } }',
      {},
      await harness.token('ops-1', 'HOST_ADMIN'),
    );
    expect(host.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('refuses token floods, alias floods and oversized bodies', async () => {
    const token = await harness.token('ops-1', 'HOST_ADMIN');
    const tokens = await harness.gql(`{ health { ${'status '.repeat(2_500)} } }`, {}, token);
    expect(tokens.errors?.length ?? 0).toBeGreaterThan(0);
    expect(tokens.data ?? null).toBeNull();
    const aliases = Array.from({ length: 40 }, (_, index) => `a${index}: me { id }`).join(' ');
    const flood = await harness.gql(`{ ${aliases} }`, {}, token);
    expect(flood.errors?.length ?? 0).toBeGreaterThan(0);
    expect(flood.data ?? null).toBeNull();
    const big = await fetch(harness.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ health { status } } # ${'x'.repeat(1_100_000)}` }),
    });
    expect(big.status).toBe(413);
  });
});
