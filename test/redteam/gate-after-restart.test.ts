/**
 * Red team — activation gate after a gateway restart: the whole signal history replays through one stored
 * "open" decision.
 *
 * Leak (severity HIGH): a restarted gateway rebuilds its read models and signal hub from the beginning of the
 * log, and it listens (and accepts subscriptions) before that rebuild is done. The gate of a (partner, segment)
 * is restored from the last stored decision "from the hub's current position on"; while that decision is within
 * its interval it is reused, uncharged. A brand that reconnects during the rebuild (any auto-reconnecting client
 * does: its sockets dropped with the restart) is judged at hub position ~0, so every signal the rebuild derives
 * afterwards counts as "open" — including those derived, before the restart, while the gate was CLOSED (the
 * segment below the activation minimum), which the running gateway had rightly withheld. With a cursor the brand
 * receives everything after it; without one, the segment's membership history from the start of the log.
 *
 * Secure behaviour asserted: what the gate withheld before the restart is withheld after it (signals derived from
 * records older than the restored decision count as closed, or subscriptions wait for the rebuild).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log, LogConsumer, RecordBatch } from '../../processors/runtime/index.ts';
import { createGateway, mintDevToken } from '../../gateway/index.ts';
import type { Gateway } from '../../gateway/index.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { consentChange, segmentChange, testPrivacy } from '../gateway/support/harness.ts';
import { SIGNALS_AFTER as SIGNALS, activationContract } from '../gateway/support/activation.ts';
import type { CursorSignal as Signal } from '../gateway/support/activation.ts';
import { openRealPolicies } from '../gateway/support/real-policies.ts';

const contract = activationContract('brand-restart', ['seg-g', 'seg-ref']);

const INTERVAL_SECONDS = 60;

/** A log whose consumers hold every batch until `resume()`: a rebuild that takes a while. */
function slowRebuild(log: Log): { log: Log; resume: () => void } {
  let resume = (): void => {};
  const resumed = new Promise<void>((resolve) => {
    resume = resolve;
  });
  const wrapped = new Proxy(log, {
    get(target, property, receiver) {
      if (property === 'consumer') {
        return (options: Parameters<Log['consumer']>[0]): LogConsumer => {
          const consumer = target.consumer(options);
          return {
            run: (handler: (batch: RecordBatch) => Promise<void>) =>
              consumer.run(async (batch) => {
                await resumed;
                await handler(batch);
              }),
            commit: (offsets) => consumer.commit(offsets),
            seek: (position) => consumer.seek(position),
            assignments: () => consumer.assignments(),
            stop: () => consumer.stop(),
          };
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { log: wrapped, resume };
}

describe('red team: the gate after a restart', () => {
  const dataDir = createTempDir('redteam-restart');
  const log = createEmbeddedLog({
    path: `${dataDir}/log.sqlite`,
    pollIntervalMs: 20,
    heartbeatIntervalMs: 100,
  });
  let clock = Date.parse('2026-11-20T12:00:00Z');
  const closers: Array<() => Promise<void>> = [];

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await log.close();
    removeTempDir(dataDir);
  });

  async function start(source: Log): Promise<Gateway> {
    const real = await openRealPolicies(dataDir, [], { contractInputs: [contract] });
    const gateway = await createGateway({
      log: source,
      dataDir,
      ...real.ports,
      auth: { hostPrincipals: real.hostPrincipals },
      privacy: testPrivacy({
        activation: { hysteresis: 5, decisionIntervalSeconds: INTERVAL_SECONDS, epsilonPerDecision: 0.5 },
      }),
      now: () => new Date(clock),
    });
    closers.push(async () => {
      await gateway.close();
      await real.close();
    });
    return gateway;
  }

  const produceMembers = async (segmentId: string, subjects: string[], action: 'entered' | 'exited') => {
    if (action === 'entered') {
      await log.produce(
        TOPICS.consent,
        subjects.map((subjectId) => ({
          key: subjectId,
          value: JSON.stringify(consentChange(subjectId, true)),
        })),
      );
    }
    await log.produce(
      TOPICS.segmentChanges,
      subjects.map((subjectId) => ({
        key: subjectId,
        value: JSON.stringify(segmentChange(segmentId, subjectId, action)),
      })),
    );
  };
  const names = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

  it('replays, after a restart, the signals the closed gate withheld before it', async () => {
    // Before the restart: the gateway withholds what it should.
    const before = await start(log);
    const { url } = await before.listen(0, '127.0.0.1');
    const token = await mintDevToken(before.devKeys!, { partnerId: 'brand-restart', role: 'BRAND' });
    await produceMembers('seg-g', names('g', 300), 'entered');
    await produceMembers('seg-ref', names('ref', 300), 'entered');
    await waitFor(() => before.services.readModels.shareableSegmentSize('seg-g') === 300);
    await waitFor(() => before.services.readModels.shareableSegmentSize('seg-ref') === 300);
    const decisions = async (gateway: Gateway) =>
      (await gateway.services.audit.list({ first: 1_000 })).entries.filter(
        (entry) => entry.action === 'signals.activation' && entry.resource === 'segment:seg-g',
      );
    const subscribeOnce = async (gateway: Gateway, gatewayUrl: string) => {
      const client = wsClient(gatewayUrl, token);
      const seen = (await decisions(gateway)).length;
      const running = collect<Signal>(client, SIGNALS, 'audienceSignals', { segments: ['seg-g', 'seg-ref'] });
      await waitFor(async () => (await decisions(gateway)).length > seen);
      await waitFor(() => gateway.services.signals.subscriberCount() === 1);
      return { client, running };
    };

    // 1. The gate opens (segment of 300).
    let session = await subscribeOnce(before, url);
    expect((await decisions(before)).at(-1)?.effect).toBe('allow');
    session.running.stop();
    await session.client.dispose();
    // 2. The segment falls to 10: the next decision closes the gate; three shoppers enter while it is closed.
    await produceMembers('seg-g', names('g', 290), 'exited');
    await waitFor(() => before.services.readModels.shareableSegmentSize('seg-g') === 10);
    clock += (INTERVAL_SECONDS + 1) * 1_000;
    session = await subscribeOnce(before, url);
    expect((await decisions(before)).at(-1)?.effect).toBe('deny');
    await produceMembers('seg-g', names('while-closed', 3), 'entered');
    await produceMembers('seg-ref', ['ref-sentinel-1'], 'entered');
    await waitFor(() => session.running.items.some((s) => s.segmentId === 'seg-ref'));
    expect(session.running.items.filter((s) => s.segmentId === 'seg-g')).toEqual([]); // withheld, rightly
    session.running.stop();
    await session.client.dispose();
    // 3. The segment grows again (300 more): the gate reopens.
    await produceMembers('seg-g', names('big', 300), 'entered');
    await waitFor(() => before.services.readModels.shareableSegmentSize('seg-g') === 313);
    clock += (INTERVAL_SECONDS + 1) * 1_000;
    session = await subscribeOnce(before, url);
    expect((await decisions(before)).at(-1)?.effect).toBe('allow');
    session.running.stop();
    await session.client.dispose();
    await before.close();
    closers.pop();

    // The restart. The brand's client reconnects at once, while the rebuild is still under way.
    clock += 5_000;
    const slow = slowRebuild(log);
    const after = await start(slow.log);
    const restarted = await after.listen(0, '127.0.0.1');
    const client = wsClient(restarted.url, token);
    const resumed = collect<Signal>(client, SIGNALS, 'audienceSignals', { segments: ['seg-g', 'seg-ref'] });
    try {
      // The subscription has reached the gateway (its slot is taken) while the rebuild is held back.
      await waitFor(() => (after.services.liveSubscriptions.get('brand-restart') ?? 0) === 1);
      slow.resume();
      await waitFor(() => after.services.readModels.shareableSegmentSize('seg-g') === 313);
      // The restarted gateway decides both gates anew once rebuilt; the sentinel comes after those decisions.
      await waitFor(async () =>
        (await after.services.audit.list({ first: 1_000 })).entries.some(
          (entry) =>
            entry.action === 'signals.activation' &&
            entry.resource === 'segment:seg-ref' &&
            entry.at >= new Date(clock).toISOString(),
        ),
      );
      await produceMembers('seg-ref', ['ref-sentinel-2'], 'entered');
      const sentinel = after.services.pseudonyms.pseudonymFor('brand-restart', 'ref-sentinel-2');
      await waitFor(() => resumed.items.some((s) => s.pseudonym === sentinel), { timeout: 20_000 });
    } finally {
      resumed.stop();
      await client.dispose();
    }
    const withheld = new Set(
      names('while-closed', 3).map((subjectId) =>
        after.services.pseudonyms.pseudonymFor('brand-restart', subjectId),
      ),
    );
    const replayed = resumed.items.filter((s) => s.segmentId === 'seg-g');
    console.log(
      `after the restart: ${replayed.length} signals of seg-g replayed (` +
        `${replayed.filter((s) => withheld.has(s.pseudonym)).length} of the 3 the closed gate had withheld)`,
    );
    expect(replayed.filter((s) => withheld.has(s.pseudonym))).toEqual([]);
  });
});
