/**
 * graphql-armor's refusals carry `extensions.code` BAD_USER_INPUT and the limit as `extensions.reason`, over
 * real HTTP, graphql-ws and graphql-sse clients, asked twice (the second answer comes through yoga's parse and
 * validation caches); a refusal over graphql-ws leaves the connection and its other operations alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as SseClient } from 'graphql-sse';
import type { Client as WsClient } from 'graphql-ws';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, sseClient, wsClient } from '../support/clients.ts';
import { addMember, openSegment, startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

const nested = (depth: number): string => (depth === 0 ? 'id' : `me { ${nested(depth - 1)} }`);

/** One document over each limit the gateway configures (server.ts), and the reason it is refused with. */
const BOMBS: Array<{ name: string; reason: string; document: string }> = [
  { name: 'token flood', reason: 'MAX_TOKENS', document: `{ me { ${'id '.repeat(2_500)} } }` },
  { name: 'deep', reason: 'MAX_DEPTH', document: `{ ${nested(12)} }` },
  {
    name: 'costly page',
    reason: 'COST_LIMIT',
    document: '{ crossIndustryTriggers(first: 10000) { edges { node { id } } } }',
  },
  {
    name: 'alias bomb',
    reason: 'MAX_ALIASES',
    document: `{ ${Array.from({ length: 20 }, (_, index) => `a${index}: me { id }`).join(' ')} }`,
  },
  {
    name: 'directive pile',
    reason: 'MAX_DIRECTIVES',
    document: `{ me { id ${'@include(if: true) '.repeat(25)} } }`,
  },
  {
    name: 'alias bomb in a subscription',
    reason: 'MAX_ALIASES',
    document: `subscription { audienceSignals { ${Array.from({ length: 20 }, (_, index) => `a${index}: segmentId`).join(' ')} } }`,
  },
];

type Refusal = { extensions?: { code?: unknown; reason?: unknown } };

/** The errors of the first answer to `document` from a graphql-ws or graphql-sse client. */
async function refusalOver(client: WsClient | SseClient, document: string): Promise<Refusal[]> {
  const running = collect<unknown>(client, document, 'me');
  await waitFor(() => running.errors.length > 0, { message: 'a refusal' });
  running.stop();
  return running.errors.flat() as Refusal[];
}

const refusedAs = (reason: string) => [
  { extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', reason }) },
];

describe('useArmor', () => {
  let harness: Harness;
  let token: string;
  beforeAll(async () => {
    harness = await startHarness();
    token = await harness.token('brand-acme', 'BRAND');
  });
  afterAll(async () => {
    await harness.close();
  });

  it.each(BOMBS)('refuses over HTTP with BAD_USER_INPUT: $name', async ({ reason, document }) => {
    for (let ask = 0; ask < 2; ask += 1) {
      const response = await harness.gql(document, {}, token);
      expect(response.data ?? null).toBeNull();
      expect(response.errors).toMatchObject(refusedAs(reason));
    }
  });

  it('refuses over graphql-ws with BAD_USER_INPUT and leaves the connection serving', async () => {
    await openSegment(harness, 'seg-plant');
    const client = wsClient(harness.url, token);
    let closed = false;
    client.on('closed', () => {
      closed = true;
    });
    // Held open throughout, so the lazy client keeps this one connection and every refusal travels on it.
    const held = collect<{ segmentId: string }>(
      client,
      'subscription { audienceSignals(segmentIds: ["seg-plant"]) { segmentId } }',
      'audienceSignals',
    );
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1);
    for (const { reason, document } of [...BOMBS, ...BOMBS]) {
      expect(await refusalOver(client, document), reason).toMatchObject(refusedAs(reason));
    }
    await addMember(harness, 'seg-plant', 'armor-1');
    await waitFor(() => held.items.length > 0, { message: 'a signal on the held subscription' });
    expect(held.errors).toEqual([]);
    expect(closed).toBe(false);
    held.stop();
    await client.dispose();
  });

  it('refuses over graphql-sse with BAD_USER_INPUT', async () => {
    const client = sseClient(harness.url, token);
    for (const { reason, document } of [...BOMBS, ...BOMBS]) {
      expect(await refusalOver(client, document), reason).toMatchObject(refusedAs(reason));
    }
    client.dispose();
  });
});
