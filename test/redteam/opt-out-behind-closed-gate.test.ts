/**
 * Red team — consent: an opt-out is never pushed to a partner that holds the shopper while the gate is closed.
 *
 * Leak (severity HIGH, consent): DESIGN.md §6 — "Opt-out and erasure take effect within seconds: exits are pushed
 * to partners that held the shopper". The activation gate filters EVERY signal, EXITED included. A brand that
 * received a shopper's pseudonym (ENTERED while the gate was open) is never told that the shopper withdrew
 * partner sharing if the segment's gate closed in between (the segment shrank below the activation minimum):
 * the EXITED is derived while closed, dropped, and never replayed — not even after the gate reopens. The brand
 * keeps activating a shopper who opted out, indefinitely.
 *
 * Secure behaviour asserted: the EXITED of a shopper the partner held reaches it within seconds of the opt-out,
 * whatever the state of the gate (or the partner is told to drop the segment's pseudonyms when the gate closes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { addMember, consentChange, segmentChange } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';
import {
  activationContract,
  activationDecisions,
  startActivationHarness,
} from '../gateway/support/activation.ts';

const contract = activationContract('brand-holder', ['seg-x', 'seg-ref']);

interface Signal {
  segmentId: string;
  pseudonym: string;
  action: string;
}

const SIGNALS = `subscription ($segments: [ID!]) {
  audienceSignals(segmentIds: $segments) { segmentId pseudonym action } }`;

describe('red team: opt-outs behind a closed activation gate', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startActivationHarness(
      [contract],
      [
        ['seg-x', 300, 'x'],
        ['seg-ref', 300, 'ref'],
      ],
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  const decisions = (segmentId: string) => activationDecisions(harness, segmentId);

  it('the partner that holds a shopper never hears of the shopper’s opt-out', async () => {
    const token = await harness.token('brand-holder', 'BRAND');
    const target = harness.gateway.services.pseudonyms.pseudonymFor('brand-holder', 'target');
    const client = wsClient(harness.url, token);
    const running = collect<Signal>(client, SIGNALS, 'audienceSignals', { segments: ['seg-x', 'seg-ref'] });
    try {
      await waitFor(async () => (await decisions('seg-x')).some((entry) => entry.effect === 'allow'));
      await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1);
      // The brand receives (and from now on holds) the target's pseudonym.
      await addMember(harness, 'seg-x', 'target');
      await waitFor(() => running.items.some((s) => s.pseudonym === target && s.action === 'ENTERED'));

      // The segment shrinks for ordinary reasons (295 members leave it): the gate closes at a later decision.
      await harness.log.produce(
        TOPICS.segmentChanges,
        Array.from({ length: 295 }, (_, index) => {
          const change = segmentChange('seg-x', `x-${index}`, 'exited');
          return { key: change.subjectId, value: JSON.stringify(change) };
        }),
      );
      await waitFor(() => harness.gateway.services.readModels.shareableSegmentSize('seg-x') === 6);
      await waitFor(async () => (await decisions('seg-x')).at(-1)?.effect === 'deny', { timeout: 10_000 });

      // The target withdraws partner sharing. A sentinel in the open reference segment follows it in the log.
      await harness.produce(TOPICS.consent, 'target', consentChange('target', false));
      await waitFor(() => harness.gateway.services.readModels.shareable('target') === false);
      await addMember(harness, 'seg-ref', 'ref-sentinel');
      await waitFor(() => running.items.some((s) => s.segmentId === 'seg-ref'), { timeout: 10_000 });
      // Give the exit a few decision intervals to arrive (it never does).
      const since = Date.now();
      await waitFor(
        () =>
          running.items.some((s) => s.pseudonym === target && s.action === 'EXITED') ||
          Date.now() - since > 3_000,
        { timeout: 5_000 },
      );
    } finally {
      running.stop();
      await client.dispose();
    }
    const exits = running.items.filter((s) => s.pseudonym === target && s.action === 'EXITED');
    expect(exits).toHaveLength(1);
  });
});
