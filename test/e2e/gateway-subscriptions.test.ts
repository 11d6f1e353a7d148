/**
 * Live subscriptions over real clients: graphql-ws (audience signals resumed from a cursor, exactly once;
 * opt-out exits) and graphql-sse (triggers, decisions). Records are produced straight to `cleanroom.*`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, errorCodes, sseClient, wsClient } from '../gateway/support/clients.ts';
import {
  brandContract,
  addMember,
  consentChange,
  openSegment,
  segmentChange,
  startHarness,
  trigger,
} from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';

interface Signal {
  segmentId: string;
  pseudonym: string;
  action: 'ENTERED' | 'EXITED';
  at: string;
  cursor: string;
}

const described = new Set<string>();

/**
 * A shopper's first consent record (sharing as its first change says) before its first change, as ingest
 * describes every loyalty member; a shopper already described keeps its consent (an opt-out stays).
 */
async function describeShoppers(
  harness: Harness,
  changes: ReturnType<typeof segmentChange>[],
): Promise<void> {
  const sharing = new Map<string, boolean>();
  for (const change of changes) {
    if (described.has(change.subjectId) || sharing.has(change.subjectId)) continue;
    sharing.set(change.subjectId, change.partnerSharing);
  }
  for (const subjectId of sharing.keys()) described.add(subjectId);
  if (sharing.size === 0) return;
  await harness.log.produce(
    TOPICS.consent,
    [...sharing].map(([subjectId, partnerSharing]) => ({
      key: subjectId,
      value: JSON.stringify(consentChange(subjectId, partnerSharing)),
    })),
  );
}

const SIGNALS = `subscription ($segments: [ID!], $after: String) {
  audienceSignals(segmentIds: $segments, after: $after) { segmentId pseudonym action at cursor } }`;

describe('gateway subscriptions (real clients)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
    // Signals flow only while a segment is above the activation minimum: start from populated segments.
    await openSegment(harness, 'seg-plant');
    await openSegment(harness, 'seg-coffee');
  });
  afterAll(async () => {
    await harness.close();
  });

  async function produceChanges(changes: ReturnType<typeof segmentChange>[]): Promise<void> {
    await describeShoppers(harness, changes);
    await harness.log.produce(
      TOPICS.segmentChanges,
      changes.map((change) => ({ key: change.subjectId, value: JSON.stringify(change) })),
    );
  }

  it('resumes audienceSignals from a cursor: every signal exactly once, only shared and consented', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    const first = wsClient(harness.url, token);
    const before = collect<Signal>(first, SIGNALS, 'audienceSignals', { segments: ['seg-plant'] });
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1);

    const wave = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, index) =>
        segmentChange('seg-plant', `ws-${from + index}`, 'entered'),
      );
    await produceChanges(wave(0, 40));
    // Noise the stream must never carry: a segment the contract does not share, and a non-consented shopper.
    await produceChanges([
      segmentChange('seg-secret', 'ws-0', 'entered'),
      segmentChange('seg-plant', 'ws-private', 'entered', false),
    ]);
    await waitFor(() => before.items.length >= 10);
    before.stop();
    await first.dispose();
    const received = [...before.items];
    const cursor = received.at(-1)?.cursor;
    expect(cursor).toBeDefined();

    // While disconnected: the rest of the first wave is in flight, a second wave and some exits arrive.
    await produceChanges([...wave(40, 60), ...wave(0, 5).map((c) => ({ ...c, action: 'exited' as const }))]);
    const second = wsClient(harness.url, token);
    const after = collect<Signal>(second, SIGNALS, 'audienceSignals', {
      segments: ['seg-plant'],
      after: cursor,
    });
    await produceChanges(wave(60, 70));
    // 70 ENTERED, 5 EXITED and the sentinel, produced last: a duplicate or a gap shows in the counts.
    await produceChanges([segmentChange('seg-plant', 'ws-sentinel', 'entered')]);
    await waitFor(() => received.length + after.items.length >= 76, { timeout: 15_000 });
    after.stop();
    await second.dispose();

    const all = [...received, ...after.items];
    const keys = all.map((signal) => `${signal.pseudonym}:${signal.action}`);
    expect(new Set(keys).size).toBe(all.length);
    expect(all.filter((signal) => signal.action === 'ENTERED')).toHaveLength(71);
    expect(all.filter((signal) => signal.action === 'EXITED')).toHaveLength(5);
    expect(all.every((signal) => signal.segmentId === 'seg-plant')).toBe(true);
    expect(after.errors).toEqual([]);
    // Pseudonyms, never subject ids.
    expect(all.some((signal) => signal.pseudonym.startsWith('ws-'))).toBe(false);
  });

  it('turns an opt-out into EXITED signals within 2 s and stops the shopper’s signals', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    const client = wsClient(harness.url, token);
    const running = collect<Signal>(client, SIGNALS, 'audienceSignals', {
      segments: ['seg-plant', 'seg-coffee'],
    });
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1);
    await produceChanges([
      segmentChange('seg-plant', 'optout-1', 'entered'),
      segmentChange('seg-coffee', 'optout-1', 'entered'),
      segmentChange('seg-plant', 'stays-1', 'entered'),
    ]);
    await waitFor(() => running.items.length === 3);
    // The opted-out shopper is the one pseudonym seen twice (partitions may deliver in any order).
    const pseudonyms = running.items.map((item) => item.pseudonym);
    const held = pseudonyms.find((pseudonym, index) => pseudonyms.indexOf(pseudonym) !== index);
    expect(held).toBeDefined();
    const producedAt = Date.now();
    await harness.produce(TOPICS.consent, 'optout-1', consentChange('optout-1', false));
    await waitFor(() => running.items.filter((item) => item.action === 'EXITED').length === 2, {
      timeout: 2_000,
    });
    expect(Date.now() - producedAt).toBeLessThan(2_000);
    const exits = running.items.filter((item) => item.action === 'EXITED');
    expect(exits.map((item) => item.pseudonym)).toEqual([held, held]);
    expect(exits.map((item) => item.segmentId).sort()).toEqual(['seg-coffee', 'seg-plant']);
    // A late entered record of the opted-out shopper must not reach the partner.
    await produceChanges([
      segmentChange('seg-plant', 'optout-1', 'entered'),
      segmentChange('seg-plant', 'stays-2', 'entered'),
    ]);
    await waitFor(() => running.items.length === 6);
    expect(running.items.at(-1)?.pseudonym).not.toBe(held);
    running.stop();
    await client.dispose();
  });

  it('streams triggers to a restaurant chain over graphql-sse, inside its contract', async () => {
    const token = await harness.token('qsr-burger', 'QSR');
    const client = sseClient(harness.url, token);
    const running = collect<{ id: string; region: string; category: string }>(
      client,
      'subscription { triggerFired { id category region lift distinctBuyers } }',
      'triggerFired',
    );
    await waitFor(async () => {
      const metrics = await harness.gateway.metrics.registry.getSingleMetricAsString(
        'cleanroom_gateway_subscribers_count',
      );
      return metrics.includes('subscription="triggerFired"} 1');
    });
    await harness.produce(TOPICS.triggers, null, trigger('plant-based-meat', 'north', 1));
    await harness.produce(TOPICS.triggers, null, trigger('plant-based-meat', 'west', 2));
    await waitFor(() => running.items.length === 1);
    expect(running.items[0]).toMatchObject({ category: 'plant-based-meat', region: 'west' });
    running.stop();
    client.dispose();
  });

  it('shows a privacy officer every decision as it is logged, over graphql-sse', async () => {
    const officer = sseClient(harness.url, await harness.token('officer-1', 'PRIVACY_OFFICER'));
    const running = collect<{ principal: string; action: string; effect: string }>(
      officer,
      'subscription { policyDecisionLogged { id sequence principal action effect reasons } }',
      'policyDecisionLogged',
    );
    await waitFor(() => harness.audit.entries.some((entry) => entry.action === 'decisions.subscribe'));
    const brand = await harness.token('brand-zest', 'BRAND');
    await harness.gql('{ segments { id } }', {}, brand);
    await harness.gql('{ contracts { partnerId } }', {}, brand);
    const fromBrand = () => running.items.filter((item) => item.principal === 'brand-zest');
    await waitFor(() => fromBrand().length === 2);
    expect(fromBrand()).toEqual([
      expect.objectContaining({ principal: 'brand-zest', action: 'segments.list', effect: 'allow' }),
      expect.objectContaining({ principal: 'brand-zest', action: 'contracts.read', effect: 'deny' }),
    ]);
    running.stop();
    officer.dispose();
  });
});

describe('subscription limits', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      contracts: [brandContract('brand-acme', { maxSubscriptions: 1 })],
      overrides: { limits: { maxBufferedPerSubscriber: 10 } },
    });
    await openSegment(harness, 'seg-plant');
  });
  afterAll(async () => {
    await harness.close();
  });

  it('refuses a subscription beyond the contract’s maxSubscriptions with RATE_LIMITED', async () => {
    const client = wsClient(harness.url, await harness.token('brand-acme', 'BRAND'));
    const first = collect<Signal>(client, SIGNALS, 'audienceSignals');
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1);
    const second = collect<Signal>(client, SIGNALS, 'audienceSignals');
    await waitFor(() => second.errors.length > 0);
    expect(errorCodes(second.errors)).toEqual(['RATE_LIMITED']);
    expect(first.errors).toEqual([]);
    first.stop();
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 0);
    const third = collect<Signal>(client, SIGNALS, 'audienceSignals');
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1);
    expect(third.errors).toEqual([]);
    third.stop();
    await client.dispose();
    await waitFor(() => harness.gateway.services.liveSubscriptions.size === 0);
  });

  it('resumes a long backlog through a small buffer without cutting the subscriber off', async () => {
    const token = await harness.token('brand-acme', 'BRAND');
    const first = wsClient(harness.url, token);
    const before = collect<Signal>(first, SIGNALS, 'audienceSignals');
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1, { message: 'live' });
    await addMember(harness, 'seg-plant', 'backlog-0');
    await waitFor(() => before.items.length === 1, { message: 'first signal' });
    before.stop();
    await first.dispose();
    const backlog = Array.from({ length: 300 }, (_, index) =>
      segmentChange('seg-plant', `backlog-${index + 1}`, 'entered'),
    );
    await describeShoppers(harness, backlog);
    await harness.log.produce(
      TOPICS.segmentChanges,
      backlog.map((change) => ({ key: change.subjectId, value: JSON.stringify(change) })),
    );
    await waitFor(() => harness.gateway.services.readModels.segmentSize('seg-plant') >= 451, {
      message: 'backlog',
    });
    const second = wsClient(harness.url, token);
    const after = collect<Signal>(second, SIGNALS, 'audienceSignals', { after: before.items[0]?.cursor });
    await waitFor(() => after.items.length === 300 || after.errors.length > 0, { timeout: 15_000 });
    expect(after.errors).toEqual([]);
    expect(new Set(after.items.map((item) => item.pseudonym)).size).toBe(300);
    after.stop();
    await second.dispose();
  });
});
