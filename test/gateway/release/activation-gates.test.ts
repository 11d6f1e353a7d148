/**
 * Audience signals flow only while the segment's noised size is at or above the activation minimum: decided at
 * most once per interval per partner and segment, charged, audited, with hysteresis, and never replayable from
 * a cursor for what happened while the gate was closed. Real engine, budgets and audit log; real WebSocket
 * clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../../schema/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, wsClient } from '../support/clients.ts';
import { addMember, consentChange, fillSegment, segmentChange } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';
import {
  SIGNALS_AFTER as SIGNALS,
  activationContract,
  activationDecisions,
  startActivationHarness,
} from '../support/activation.ts';
import type { CursorSignal as Signal } from '../support/activation.ts';

const contract = activationContract('brand-gate', ['seg-growing', 'seg-open']);

describe('activation gates', () => {
  let harness: Harness;
  beforeAll(async () => {
    // Decisions every second at epsilon 1 (noise scale 1) with a hysteresis of 5: crisp enough to test.
    harness = await startActivationHarness(
      [contract],
      [
        ['seg-open', 300, 'open'],
        ['seg-growing', 40, 'grow'],
      ],
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  const decisions = (segmentId: string) => activationDecisions(harness, segmentId);

  it('lets nothing flow below the minimum, opens above it, and never replays what the closed gate held', async () => {
    const token = await harness.token('brand-gate', 'BRAND');
    const client = wsClient(harness.url, token);
    const first = collect<Signal>(client, SIGNALS, 'audienceSignals', {
      segments: ['seg-growing', 'seg-open'],
    });
    await waitFor(async () => (await decisions('seg-open')).some((entry) => entry.effect === 'allow'));
    // A signal of the open segment gives a cursor from before anything below.
    await addMember(harness, 'seg-open', 'open-extra');
    await waitFor(() => first.items.length === 1);
    const cursor = first.items[0]?.cursor as string;
    expect(first.items[0]?.segmentId).toBe('seg-open');

    // 40 + 30 members: still below 120 - 5. Nothing of seg-growing reaches the partner, over several decisions.
    for (let index = 0; index < 30; index += 1) await addMember(harness, 'seg-growing', `grow-late-${index}`);
    await waitFor(() => harness.gateway.services.readModels.shareableSegmentSize('seg-growing') === 70);
    const closedDecisions = (await decisions('seg-growing')).length;
    await waitFor(async () => (await decisions('seg-growing')).length >= closedDecisions + 2, {
      timeout: 10_000,
    });
    expect(first.items.filter((item) => item.segmentId === 'seg-growing')).toEqual([]);
    const closed = await decisions('seg-growing');
    expect(closed.every((entry) => entry.effect === 'deny' && entry.code === 'BELOW_THRESHOLD')).toBe(true);
    expect(closed.every((entry) => entry.result?.epsilonSpent === 1)).toBe(true);
    expect(closed.every((entry) => entry.principal === 'brand-gate')).toBe(true);

    // Grow it well past the minimum: the gate opens at the next decision and new members flow.
    await fillSegment(harness, 'seg-growing', 200, 'grow-big');
    await waitFor(async () => (await decisions('seg-growing')).some((entry) => entry.effect === 'allow'), {
      timeout: 10_000,
    });
    await addMember(harness, 'seg-growing', 'after-open');
    await waitFor(() => first.items.some((item) => item.segmentId === 'seg-growing'));
    const afterOpen = first.items.filter((item) => item.segmentId === 'seg-growing');
    expect(afterOpen.length).toBeGreaterThan(0);
    first.stop();

    // Resuming from the early cursor replays seg-open's later signals, but none of what seg-growing did while
    // closed: only members that entered after the gate opened.
    const resumed = collect<Signal>(client, SIGNALS, 'audienceSignals', {
      segments: ['seg-growing', 'seg-open'],
      after: cursor,
    });
    await addMember(harness, 'seg-open', 'sentinel');
    await waitFor(() => resumed.items.some((item) => item.segmentId === 'seg-open'));
    const growing = resumed.items.filter((item) => item.segmentId === 'seg-growing');
    expect(growing.length).toBe(first.items.filter((item) => item.segmentId === 'seg-growing').length);
    resumed.stop();
    await client.dispose();
  });

  it('decides at most once per interval, charging each decision to the partner', async () => {
    const entries = (await harness.auditEntries()).filter((entry) => entry.action === 'signals.activation');
    const times = entries
      .filter((entry) => entry.resource === 'segment:seg-growing')
      .map((entry) => Date.parse(entry.at));
    for (let index = 1; index < times.length; index += 1) {
      expect((times[index] as number) - (times[index - 1] as number)).toBeGreaterThanOrEqual(1_000);
    }
    const token = await harness.token('brand-gate', 'BRAND');
    const budget = await harness.gql('{ privacyBudget { epsilonSpent } }', {}, token);
    const charged = entries.reduce((sum, entry) => sum + (entry.result?.epsilonSpent ?? 0), 0);
    expect((budget.data?.['privacyBudget'] as { epsilonSpent: number }).epsilonSpent).toBeCloseTo(charged, 6);
  });

  it('closes again below the minimum minus the hysteresis, and then nothing flows', async () => {
    const token = await harness.token('brand-gate', 'BRAND');
    const client = wsClient(harness.url, token);
    const running = collect<Signal>(client, SIGNALS, 'audienceSignals', { segments: ['seg-growing'] });
    await waitFor(() => harness.gateway.services.signals.subscriberCount() >= 1);
    // Everyone but 60 opts out of partner sharing: the shareable size falls to 60, far below 120 - 5.
    const members = [...Array(40).keys()].map((index) => `grow-${index}`);
    const late = [...Array(30).keys()].map((index) => `grow-late-${index}`);
    const big = [...Array(200).keys()].map((index) => `grow-big-${index}`);
    const optingOut = [...members, ...late, ...big, 'after-open'].slice(60);
    await harness.log.produce(
      TOPICS.consent,
      optingOut.map((subjectId) => ({
        key: subjectId,
        value: JSON.stringify(consentChange(subjectId, false)),
      })),
    );
    await waitFor(() => harness.gateway.services.readModels.shareableSegmentSize('seg-growing') === 60);
    await waitFor(async () => (await decisions('seg-growing')).at(-1)?.effect === 'deny', {
      timeout: 10_000,
    });
    const before = running.items.length;
    await addMember(harness, 'seg-growing', 'while-closed');
    await harness.produce(TOPICS.segmentChanges, 'grow-0', segmentChange('seg-growing', 'grow-0', 'exited'));
    await waitFor(() => harness.gateway.services.readModels.segmentSize('seg-growing') >= 61);
    const closedAgain = (await decisions('seg-growing')).length;
    await waitFor(async () => (await decisions('seg-growing')).length >= closedAgain + 1, {
      timeout: 10_000,
    });
    expect(running.items.slice(before).filter((item) => item.action === 'ENTERED')).toEqual([]);
    running.stop();
    await client.dispose();
  });
});
