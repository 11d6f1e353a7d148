/**
 * Over-long input on the gateway over the real policies (engine, Merkle audit log): an id beyond
 * MAX_ID_LENGTH is refused at the edge with BAD_USER_INPUT naming the argument, before any decision; and long
 * text that is not an id (a trigger category, a list of ids) still ends in the decision's own answer, audited,
 * never in INTERNAL_SERVER_ERROR or an audit outage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ID_LENGTH } from '../../../gateway/resolvers/id-limits.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, errorCodes, wsClient } from '../support/clients.ts';
import { brandContract, codes, qsrContract, startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import { metricValue } from '../support/metrics.ts';

const SIZE = 'query ($id: ID!) { segmentSize(segmentId: $id) { value } }';
const SIGNALS = 'subscription ($ids: [ID!]) { audienceSignals(segmentIds: $ids) { segmentId } }';

describe('ids at the edge', () => {
  let harness: Harness;
  let brand: string;
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      contracts: [brandContract('brand-long'), qsrContract('qsr-long')],
    });
    brand = await harness.token('brand-long', 'BRAND');
  });
  afterAll(async () => {
    await harness.close();
  });

  const metric = async (name: string): Promise<number> =>
    metricValue(harness.url, await harness.token('ops-1', 'HOST_ADMIN'), name);

  it('refuses a 100,000-character segmentId with BAD_USER_INPUT before deciding', async () => {
    const entries = (await harness.auditEntries()).length;
    const decisions = await metric('cleanroom_gateway_decisions_total');
    const response = await harness.gql(SIZE, { id: 's'.repeat(100_000) }, brand);
    expect(response.data ?? null).toBeNull();
    expect(response.errors).toMatchObject([
      { extensions: { code: 'BAD_USER_INPUT', field: 'segmentId', reason: 'ID_TOO_LONG' } },
    ]);
    expect(await metric('cleanroom_gateway_decisions_total')).toBe(decisions);
    expect(await harness.auditEntries()).toHaveLength(entries);
    expect(await metric('cleanroom_gateway_audit_failures_total')).toBe(0);
  });

  it('decides an id of exactly the maximum length as any other', async () => {
    const response = await harness.gql(SIZE, { id: 's'.repeat(MAX_ID_LENGTH) }, brand);
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect((await harness.auditEntries()).at(-1)).toMatchObject({
      principal: 'brand-long',
      action: 'segment.size',
      code: 'FORBIDDEN',
    });
    const refused = await harness.gql(SIZE, { id: 's'.repeat(MAX_ID_LENGTH + 1) }, brand);
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an over-long id inside a list, over graphql-ws, naming the argument', async () => {
    const client = wsClient(harness.url, brand);
    const running = collect<unknown>(client, SIGNALS, 'audienceSignals', {
      ids: ['seg-plant', 's'.repeat(100_000)],
    });
    await waitFor(() => running.errors.length > 0, { message: 'the subscribe refused' });
    expect(errorCodes(running.errors)).toEqual(['BAD_USER_INPUT']);
    expect(running.errors.flat()).toMatchObject([{ extensions: { field: 'segmentIds' } }]);
    running.stop();
    await client.dispose();
    expect(await metric('cleanroom_gateway_audit_failures_total')).toBe(0);
  });

  it('answers long text that is not one id with the decision, audited, and no audit outage', async () => {
    // Forty ids of the maximum length, none shared: the denial quotes them all (over 10,000 characters).
    const client = wsClient(harness.url, brand);
    const ids = Array.from({ length: 40 }, (_, index) => `${index}`.padEnd(MAX_ID_LENGTH, 's'));
    const running = collect<unknown>(client, SIGNALS, 'audienceSignals', { ids });
    await waitFor(() => running.errors.length > 0, { message: 'the subscribe refused' });
    expect(errorCodes(running.errors)).toEqual(['FORBIDDEN']);
    running.stop();
    await client.dispose();

    // A 100,000-character trigger category: a String, not an id, so the engine decides it.
    const qsr = await harness.token('qsr-long', 'QSR');
    const triggers = await harness.gql(
      'query ($categories: [String!]) { crossIndustryTriggers(categories: $categories) { edges { node { id } } } }',
      { categories: ['c'.repeat(100_000)] },
      qsr,
    );
    expect(codes(triggers)).toEqual(['FORBIDDEN']);

    const entries = await harness.auditEntries();
    const denials = entries.filter((entry) => entry.code === 'FORBIDDEN');
    expect(denials.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['signals.subscribe', 'triggers.read']),
    );
    for (const entry of denials) {
      for (const reason of entry.reasons) expect(reason.length).toBeLessThanOrEqual(1_024);
    }
    expect(await metric('cleanroom_gateway_audit_failures_total')).toBe(0);
    const officer = await harness.token('officer-1', 'PRIVACY_OFFICER');
    const verification = await harness.gql('{ verifyAuditLog { valid } }', {}, officer);
    expect(verification.data?.['verifyAuditLog']).toEqual({ valid: true });
  });
});
