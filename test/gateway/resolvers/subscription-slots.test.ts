/**
 * A partner's live subscriptions never exceed its contract's `maxSubscriptions`, even when the subscribes
 * arrive together over several graphql-ws connections to the gateway on the real policies (whose audit
 * append is a group commit, so each subscribe waits a while between its admission and its set-up).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait-for.ts';
import { errorCodes, wsClient } from '../support/clients.ts';
import { addMember, brandContract, openSegment, startHarness } from '../support/harness.ts';
import { metricValue } from '../support/metrics.ts';
import type { Harness } from '../support/harness.ts';

const CAP = 5;
const SUBSCRIBES = 60;
const CONNECTIONS = 3;

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Live `audienceSignals` subscribers as the gateway's /metrics reports them. */
const liveSubscribers = async (url: string): Promise<number> =>
  metricValue(url, await harness!.token('ops-1', 'HOST_ADMIN'), 'cleanroom_gateway_subscribers_count', {
    subscription: 'audienceSignals',
  });

interface Outcome {
  errors: unknown[];
  signals: number;
  stop: () => void;
}

describe('subscription slots', () => {
  it('holds a burst of concurrent subscribes to the contract cap exactly, and gives slots back', async () => {
    harness = await startHarness({
      mode: 'policies',
      contracts: [brandContract('brand-burst', { maxSubscriptions: CAP })],
    });
    const h = harness;
    await openSegment(h, 'seg-plant');
    const token = await h.token('brand-burst', 'BRAND');
    const clients = Array.from({ length: CONNECTIONS }, () => wsClient(h.url, token));
    const subscribe = (client: (typeof clients)[number]): Outcome => {
      const outcome: Outcome = { errors: [], signals: 0, stop: () => {} };
      outcome.stop = client.subscribe(
        { query: 'subscription { audienceSignals(segmentIds: ["seg-plant"]) { segmentId } }' },
        {
          next: (message) => {
            if (message.errors !== undefined) outcome.errors.push(message.errors);
            if (message.data) outcome.signals += 1;
          },
          error: (error) => void outcome.errors.push(error),
          complete: () => {},
        },
      );
      return outcome;
    };
    const outcomes = Array.from({ length: SUBSCRIBES }, (_, index) =>
      subscribe(clients[index % CONNECTIONS]!),
    );
    const refused = () => outcomes.filter((outcome) => outcome.errors.length > 0);

    // Every subscribe has settled once the refused ones and the live ones add up.
    await waitFor(async () => refused().length + (await liveSubscribers(h.url)) === SUBSCRIBES, {
      timeout: 30_000,
      message: 'every subscribe refused or live',
    });
    expect(await liveSubscribers(h.url)).toBe(CAP);
    expect(refused()).toHaveLength(SUBSCRIBES - CAP);
    expect(new Set(errorCodes(refused().flatMap((outcome) => outcome.errors)))).toEqual(
      new Set(['RATE_LIMITED']),
    );

    // The ones not refused really are live: each receives the next signal.
    await addMember(h, 'seg-plant', 'slot-1');
    await waitFor(() => outcomes.filter((outcome) => outcome.signals > 0).length === CAP, {
      message: 'a signal on every live subscription',
    });
    const live = outcomes.filter((outcome) => outcome.errors.length === 0);
    expect(live.every((outcome) => outcome.signals > 0)).toBe(true);

    // An ended subscription gives its slot back, once: one more subscribe is admitted, the next refused.
    live[0]!.stop();
    await waitFor(async () => (await liveSubscribers(h.url)) === CAP - 1);
    const admitted = subscribe(clients[0]!);
    await waitFor(async () => (await liveSubscribers(h.url)) === CAP);
    const beyond = subscribe(clients[1]!);
    await waitFor(() => beyond.errors.length > 0, { message: 'the subscribe beyond the cap refused' });
    expect(errorCodes(beyond.errors)).toEqual(['RATE_LIMITED']);
    expect(admitted.errors).toEqual([]);

    for (const outcome of [...outcomes, admitted]) outcome.stop();
    await Promise.all(clients.map((client) => client.dispose()));
    await waitFor(async () => (await liveSubscribers(h.url)) === 0, { message: 'every slot given back' });
    expect(h.gateway.services.liveSubscriptions.size).toBe(0);
  });
});
