/**
 * Red team — activation gate: an "open" decision outlives its interval, and a cursor replays what it covered.
 *
 * Leak (severity HIGH): a gate decision holds "from the hub position when it was made" until the NEXT decision,
 * and decisions are only made while the partner has a live subscription. A brand subscribes while its segment is
 * large (the gate opens, one charge), keeps the cursor and disconnects. No decision is made while it is away, so
 * the gate stays open for everything the hub derives in the meantime. When the segment has shrunk far below the
 * activation minimum, the brand re-subscribes with `after: <old cursor>`: the new decision closes the gate, but
 * only from now on — the replay of the away period is judged by the stale "open" decision, so every EXITED and
 * ENTERED of the small segment is delivered. Counting them gives the exact size (and membership churn) of a
 * segment the gate is meant to hide, for two decisions' worth of epsilon.
 *
 * Secure behaviour asserted: signals derived while no decision was in force (the last one's interval had
 * lapsed) are treated as closed; the resumed subscription receives nothing of the shrunken segment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { addMember, consentChange } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';
import {
  SIGNALS_AFTER as SIGNALS,
  activationContract,
  activationDecisions,
  startActivationHarness,
} from '../gateway/support/activation.ts';
import type { CursorSignal as Signal } from '../gateway/support/activation.ts';

const contract = activationContract('brand-stale', ['seg-stale', 'seg-ref']);

const INTERVAL_MS = 1_000;

describe('red team: a stale open gate decision covers the time the partner was away', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startActivationHarness(
      [contract],
      [
        ['seg-stale', 300, 'stale'],
        ['seg-ref', 300, 'ref'],
      ],
      { decisionIntervalSeconds: INTERVAL_MS / 1_000 },
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  const decisions = (segmentId: string) => activationDecisions(harness, segmentId);

  it('replays every signal of a segment that fell far below the activation minimum', async () => {
    const token = await harness.token('brand-stale', 'BRAND');
    const models = harness.gateway.services.readModels;

    // 1. Subscribe while the segment is large: the gate opens. Keep a cursor, then leave.
    const client = wsClient(harness.url, token);
    const first = collect<Signal>(client, SIGNALS, 'audienceSignals', { segments: ['seg-stale', 'seg-ref'] });
    await waitFor(async () => (await decisions('seg-stale')).some((entry) => entry.effect === 'allow'));
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 1);
    await addMember(harness, 'seg-stale', 'stale-marker');
    await waitFor(() => first.items.length >= 1);
    const cursor = (first.items.at(-1) as Signal).cursor;
    first.stop();
    await waitFor(() => harness.gateway.services.signals.subscriberCount() === 0);
    const left = Date.now();
    // No decision is in force any more once its interval has lapsed.
    await waitFor(() => Date.now() - left > INTERVAL_MS * 1.5, { timeout: 5_000 });

    // 2. While the brand is away, the segment collapses to 14 shoppers: 290 opt out, 3 new members enter.
    await harness.log.produce(
      TOPICS.consent,
      Array.from({ length: 290 }, (_, index) => {
        const subjectId = `stale-${index}`;
        return { key: subjectId, value: JSON.stringify(consentChange(subjectId, false)) };
      }),
    );
    for (let index = 0; index < 3; index += 1) await addMember(harness, 'seg-stale', `small-${index}`);
    await waitFor(() => models.shareableSegmentSize('seg-stale') === 14);

    // 3. Resume from the old cursor. A sentinel in the reference segment marks the end of the replay.
    const resumed = collect<Signal>(client, SIGNALS, 'audienceSignals', {
      segments: ['seg-stale', 'seg-ref'],
      after: cursor,
    });
    await waitFor(async () => (await decisions('seg-stale')).length >= 2);
    // Both gates are decided anew (one after the other) before the sentinel is derived.
    await waitFor(
      async () => (await decisions('seg-ref')).filter((entry) => entry.effect === 'allow').length >= 2,
    );
    await addMember(harness, 'seg-ref', 'ref-sentinel');
    await waitFor(() => resumed.items.some((item) => item.segmentId === 'seg-ref'), { timeout: 10_000 });
    resumed.stop();
    await client.dispose();

    const latest = (await decisions('seg-stale')).at(-1);
    expect(latest?.effect).toBe('deny'); // the gate knows the segment is small now...
    const leaked = resumed.items.filter((item) => item.segmentId === 'seg-stale');
    console.log(
      `stale gate: replay delivered ${leaked.filter((s) => s.action === 'EXITED').length} EXITED and ` +
        `${leaked.filter((s) => s.action === 'ENTERED').length} ENTERED of a 14-member segment (minimum 120)`,
    );
    // ...so nothing derived while it was small may reach the partner.
    expect(leaked).toEqual([]);
  });
});
