/**
 * An opt-out reaches the partner that holds the shopper even across a gateway restart: who a partner was shown is
 * kept in the release store, so a restarted gateway whose gate is closed still delivers the shopper's EXITED (and
 * nothing else the closed gate holds back). Real policies, the embedded log, a real WebSocket client, the gateway
 * closed and opened again on the same data folder.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../../schema/index.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import { createGateway, mintDevToken } from '../../../gateway/index.ts';
import type { Gateway } from '../../../gateway/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, wsClient } from '../support/clients.ts';
import { consentChange, produceMembers, testPrivacy } from '../support/harness.ts';
import { SIGNALS_AFTER as SIGNALS, activationContract } from '../support/activation.ts';
import type { CursorSignal as Signal } from '../support/activation.ts';
import { openRealPolicies } from '../support/real-policies.ts';

const contract = activationContract('brand-holds', ['seg-h', 'seg-ref']);

describe('who a partner holds, across a restart', () => {
  const dataDir = createTempDir('shown-restart');
  const log = createEmbeddedLog({
    path: `${dataDir}/log.sqlite`,
    pollIntervalMs: 20,
    heartbeatIntervalMs: 100,
  });
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await log.close();
    removeTempDir(dataDir);
  });

  async function start(): Promise<{ gateway: Gateway; url: string; close: () => Promise<void> }> {
    const real = await openRealPolicies(dataDir, [], { contractInputs: [contract] });
    const gateway = await createGateway({
      log,
      dataDir,
      ...real.ports,
      auth: { hostPrincipals: real.hostPrincipals },
      privacy: testPrivacy({
        activation: { hysteresis: 5, decisionIntervalSeconds: 1, epsilonPerDecision: 1 },
      }),
    });
    const { url } = await gateway.listen(0, '127.0.0.1');
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await gateway.close();
      await real.close();
    };
    closers.push(close);
    return { gateway, url, close };
  }

  const names = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  const lastDecision = async (gateway: Gateway, segmentId: string) =>
    (await gateway.services.audit.list({ first: 1_000 })).entries
      .filter((entry) => entry.action === 'signals.activation' && entry.resource === `segment:${segmentId}`)
      .at(-1);

  it('delivers the opt-out of a shopper shown before the restart while the gate is closed after it', async () => {
    await produceMembers(log, 'seg-h', names('h', 300));
    await produceMembers(log, 'seg-ref', names('ref', 300));

    // Before: the gate is open and the brand is shown the target (and a bystander it will not hear of again).
    const before = await start();
    const token = await mintDevToken(before.gateway.devKeys!, { partnerId: 'brand-holds', role: 'BRAND' });
    const target = before.gateway.services.pseudonyms.pseudonymFor('brand-holds', 'target');
    let client = wsClient(before.url, token);
    let running = collect<Signal>(client, SIGNALS, 'audienceSignals', { segments: ['seg-h', 'seg-ref'] });
    await waitFor(async () => (await lastDecision(before.gateway, 'seg-h'))?.effect === 'allow');
    await waitFor(() => before.gateway.services.signals.subscriberCount() === 1);
    await produceMembers(log, 'seg-h', ['target']);
    await waitFor(() => running.items.some((s) => s.pseudonym === target && s.action === 'ENTERED'));
    running.stop();
    await client.dispose();
    await before.close();

    // The segment shrinks far below the minimum while the gateway is down.
    await produceMembers(log, 'seg-h', names('h', 295), 'exited');

    // After: the gate decides closed; the target withdraws partner sharing; a newcomer enters too.
    const after = await start();
    // The test's policies draw a fresh host secret on each start, so pseudonyms differ across the restart.
    const targetAfter = after.gateway.services.pseudonyms.pseudonymFor('brand-holds', 'target');
    client = wsClient(after.url, token);
    running = collect<Signal>(client, SIGNALS, 'audienceSignals', { segments: ['seg-h', 'seg-ref'] });
    await waitFor(() => after.gateway.services.readModels.shareableSegmentSize('seg-h') === 6);
    await waitFor(async () => (await lastDecision(after.gateway, 'seg-h'))?.effect === 'deny', {
      timeout: 10_000,
    });
    await waitFor(() => after.gateway.services.signals.subscriberCount() === 1);
    const newcomer = after.gateway.services.pseudonyms.pseudonymFor('brand-holds', 'newcomer');
    await produceMembers(log, 'seg-h', ['newcomer']);
    await log.produce(TOPICS.consent, [
      { key: 'target', value: JSON.stringify(consentChange('target', false)) },
    ]);
    // A sentinel in the open reference segment follows both in the log: once it arrives, both were judged.
    await produceMembers(log, 'seg-ref', ['ref-sentinel']);
    const sentinel = after.gateway.services.pseudonyms.pseudonymFor('brand-holds', 'ref-sentinel');
    try {
      await waitFor(() => running.items.some((s) => s.pseudonym === sentinel), { timeout: 10_000 });
      await waitFor(() => running.items.some((s) => s.pseudonym === targetAfter && s.action === 'EXITED'), {
        timeout: 5_000,
        message: 'the held shopper’s opt-out after the restart',
      });
    } finally {
      running.stop();
      await client.dispose();
    }
    const seg = running.items.filter((s) => s.segmentId === 'seg-h');
    // Only the exit of the shopper the brand held: the closed gate holds back the newcomer.
    expect(seg.map((s) => [s.pseudonym === targetAfter ? 'target' : s.pseudonym, s.action])).toEqual([
      ['target', 'EXITED'],
    ]);
    expect(seg.some((s) => s.pseudonym === newcomer)).toBe(false);
    // Told once, the brand no longer holds the target: its row is gone, the other shoppers it was shown remain.
    const held = after.gateway.services.release.store.shownSubjects();
    expect(held.some((row) => row.subjectId === 'target')).toBe(false);
    expect(held.some((row) => row.partnerId === 'brand-holds' && row.segmentId === 'seg-ref')).toBe(true);
  });
});
