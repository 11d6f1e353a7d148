/**
 * The gateway on the real policies/ services (engine, contract registry, Merkle audit log, budget ledger,
 * exact discrete Laplace noise, identity and partner key stores), through `createPolicyPorts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.ts';
import { brandContract, codes, fillSegment, qsrContract, startHarness } from './support/harness.ts';
import type { Harness } from './support/harness.ts';

describe('gateway on the real policies', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      contracts: [
        brandContract('brand-acme', {
          budgetEpsilon: 1,
          epsilonPerAggregate: 0.5,
          segments: ['seg-big', 'seg-small'],
        }),
        qsrContract('qsr-burger'),
      ],
    });
    await fillSegment(harness, 'seg-big', 120, 'big');
    await fillSegment(harness, 'seg-small', 10, 'small');
    await waitFor(() => harness.gateway.services.readModels.segmentSize('seg-small') === 10);
    await waitFor(() => harness.gateway.services.readModels.segmentSize('seg-big') === 120);
  });
  afterAll(async () => {
    await harness.close();
  });

  const sizeQuery = 'query ($id: ID!) { segmentSize(segmentId: $id) { value epsilonSpent } }';

  it('audits BELOW_THRESHOLD and BUDGET_EXHAUSTED in the Merkle log, which verifies', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    // A refusal below k is decided on the noised count and charged like an answer: 0.5 of the budget of 1.
    expect(codes(await harness.gql(sizeQuery, { id: 'seg-small' }, token))).toEqual(['BELOW_THRESHOLD']);
    expect(codes(await harness.gql(sizeQuery, { id: 'seg-big' }, token))).toEqual([]);
    expect(codes(await harness.gql(sizeQuery, { id: 'seg-big' }, token))).toEqual(['BUDGET_EXHAUSTED']);
    const budget = await harness.gql(
      '{ privacyBudget { window epsilonLimit epsilonSpent epsilonRemaining } }',
      {},
      token,
    );
    expect(budget.data?.['privacyBudget']).toEqual({
      window: 'day',
      epsilonLimit: 1,
      epsilonSpent: 1,
      epsilonRemaining: 0,
    });

    const officer = await harness.token('officer-1', 'PRIVACY_OFFICER');
    const decisions = await harness.gql(
      `{ policyDecisions(filter: { principal: "brand-acme", action: "segment.size" }, first: 10) {
          edges { node { sequence effect code contractVersion epsilonSpent } } } }`,
      {},
      officer,
    );
    const nodes = (
      decisions.data?.['policyDecisions'] as {
        edges: Array<{ node: { code: string | null; epsilonSpent: number } }>;
      }
    ).edges.map((edge) => edge.node);
    expect(nodes.map((node) => node.code)).toEqual(['BELOW_THRESHOLD', null, 'BUDGET_EXHAUSTED']);
    expect(nodes.map((node) => node.epsilonSpent)).toEqual([0.5, 0.5, 0]);

    const audit = await harness.gql(
      '{ verifyAuditLog { valid size firstBadSequence } signedTreeHead { size rootHash signature } }',
      {},
      officer,
    );
    const verification = audit.data?.['verifyAuditLog'] as { valid: boolean; size: number };
    expect(verification.valid).toBe(true);
    expect(verification.size).toBeGreaterThanOrEqual(5);
    const proof = await harness.gql(
      '{ inclusionProof(sequence: 1) { sequence treeSize leafHash rootHash path } }',
      {},
      officer,
    );
    expect(proof.errors).toBeUndefined();
  });

  it('lets the host rotate a partner key and refuses an invalid contract with BAD_USER_INPUT', async () => {
    const admin = await harness.token('ops-1', 'HOST_ADMIN');
    const rotation = await harness.gql(
      'mutation { rotatePartnerKey(partnerId: "brand-acme") { partnerId epoch } }',
      {},
      admin,
    );
    expect(rotation.data?.['rotatePartnerKey']).toEqual({ partnerId: 'brand-acme', epoch: 2 });
    const invalid = await harness.gql(
      'mutation { upsertContract(input: { document: "partnerId: Bad Id\\nkind: BRAND" }) { partnerId } }',
      {},
      admin,
    );
    expect(codes(invalid)).toEqual(['BAD_USER_INPUT']);
    const contracts = await harness.gql('{ contracts { partnerId kind version kThreshold } }', {}, admin);
    expect(
      (contracts.data?.['contracts'] as Array<{ partnerId: string }>).map((c) => c.partnerId).sort(),
    ).toEqual(['brand-acme', 'qsr-burger']);
  });

  it('refuses a host-role token whose id is not a host principal', async () => {
    const response = await harness.gql('{ me { id } }', {}, await harness.token('intruder', 'HOST_ADMIN'));
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });
});
