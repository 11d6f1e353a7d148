/**
 * Abuse of the API over real HTTP and WebSocket: deep and wide queries, alias bombs, huge variables, batched
 * operations, very long strings, thousands of subscriptions from one partner and a flood beyond the rate
 * limit. Each is refused with an error code, the server stays up, and another partner's latency while the
 * abuse runs stays within a generous bound of its baseline measured in the same test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { brandContract, codes, startHarness } from '../gateway/support/harness.ts';
import type { GqlResponse, Harness } from '../gateway/support/harness.ts';
import { errorCodes, wsClient } from '../gateway/support/clients.ts';
import { metricValue } from '../gateway/support/metrics.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { recordFigure } from './support/figures.ts';
import { quantile, timeSequential } from './support/latency.ts';

/** Codes an abusive request may be refused with: the API's own and GraphQL's parse/validation codes. */
const REFUSAL_CODES = new Set([
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'FORBIDDEN',
  'NOT_FOUND',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
]);
const FLOOD_LIMIT_PER_MINUTE = 60;
const SUBSCRIPTIONS = 1_500;
/** `maxSubscriptions` the test contracts get (test/gateway/support/real-policies.ts). */
const SUBSCRIPTION_CAP = 100;
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function post(
  url: string,
  token: string,
  body: string,
): Promise<{ status: number; body: GqlResponse }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  return { status: response.status, body: (await response.json()) as GqlResponse };
}

/** Live `audienceSignals` subscribers as the gateway's /metrics reports them (only the abuser subscribes). */
const liveSubscribers = async (url: string): Promise<number> =>
  metricValue(url, await harness!.token('ops-1', 'HOST_ADMIN'), 'cleanroom_gateway_subscribers_count', {
    subscription: 'audienceSignals',
  });

const nested = (depth: number): string => (depth === 0 ? 'id' : `me { ${nested(depth - 1)} }`);

describe('the gateway under abuse', () => {
  it('refuses each abuse with an error code and keeps answering other partners', async () => {
    harness = await startHarness({
      mode: 'policies',
      contracts: [
        brandContract('brand-abuser'),
        brandContract('brand-flooder', { requestsPerMinute: FLOOD_LIMIT_PER_MINUTE }),
        brandContract('brand-victim'),
      ],
    });
    const h = harness;
    const [abuser, flooder, victim] = await Promise.all([
      h.token('brand-abuser', 'BRAND'),
      h.token('brand-flooder', 'BRAND'),
      h.token('brand-victim', 'BRAND'),
    ]);
    const victimProbe = async (): Promise<void> => {
      const response = await h.gql('{ me { id } segments { id } }', {}, victim);
      expect(response.errors).toBeUndefined();
      expect(response.data?.['me']).toEqual({ id: 'brand-victim' });
    };
    const baseline = await timeSequential(40, victimProbe);

    const refusals: Record<string, string[]> = {};
    let acceptedSubscriptions = 0;
    const refused = (name: string, response: GqlResponse): void => {
      expect(response.errors?.length ?? 0, `${name} is refused`).toBeGreaterThan(0);
      expect(JSON.stringify(response.data ?? null), `${name} released no data`).not.toContain('brand-');
      refusals[name] = codes(response);
    };

    const abuse = async (): Promise<void> => {
      refused('deep', await h.gql(`{ ${nested(40)} }`, {}, abuser));
      refused('wide', await h.gql(`{ me { ${'id '.repeat(5_000)} } }`, {}, abuser));
      refused(
        'alias bomb',
        await h.gql(
          `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: segments { id }`).join(' ')} }`,
          {},
          abuser,
        ),
      );
      const huge = await post(
        h.url,
        abuser,
        JSON.stringify({ query: '{ me { id } }', variables: { filler: 'x'.repeat(2 * 1_048_576) } }),
      );
      expect(huge.status).toBe(413);
      refused('huge variables', huge.body);
      const batched = await post(h.url, abuser, JSON.stringify(Array(200).fill({ query: '{ me { id } }' })));
      expect(batched.status).toBeGreaterThanOrEqual(400);
      refused('batched operations', batched.body);
      refused(
        'very long string',
        await h.gql(
          'query($id: ID!) { segmentSize(segmentId: $id) { value } }',
          { id: 's'.repeat(100_000) },
          abuser,
        ),
      );
      refused('introspection', await h.gql('{ __schema { types { name fields { name } } } }', {}, abuser));

      // 1,500 subscriptions from one partner over 20 connections: the contract's cap holds.
      const clients = Array.from({ length: 20 }, () => wsClient(h.url, abuser));
      const outcomes: unknown[][] = [];
      const stops: Array<() => void> = [];
      for (let index = 0; index < SUBSCRIPTIONS; index += 1) {
        const errors: unknown[] = [];
        outcomes.push(errors);
        stops.push(
          clients[index % clients.length]!.subscribe(
            { query: 'subscription { audienceSignals { segmentId } }' },
            {
              next: (message) => void (message.errors && errors.push(message.errors)),
              error: (e) => void errors.push(e),
              complete: () => {},
            },
          ),
        );
      }
      // A subscribe is acknowledged by nothing until its first event, so one not refused yet may still be
      // pending: count only once every subscribe is either refused (client side) or live (the gateway's gauge).
      const refusedCount = () => outcomes.filter((errors) => errors.length > 0).length;
      await waitFor(async () => refusedCount() + (await liveSubscribers(h.url)) === SUBSCRIPTIONS, {
        timeout: 150_000,
        interval: 100,
        message: 'every subscription refused or live',
      });
      acceptedSubscriptions = SUBSCRIPTIONS - refusedCount();
      expect(acceptedSubscriptions, 'live subscriptions of one partner').toBe(SUBSCRIPTION_CAP);
      const subscriptionCodes = errorCodes(outcomes.flat());
      refusals['thousands of subscriptions'] = [...new Set(subscriptionCodes)];
      expect(subscriptionCodes.every((code) => code === 'RATE_LIMITED')).toBe(true);
      for (const stop of stops) stop();
      await Promise.all(clients.map((client) => client.dispose()));

      // A flood beyond the contract's rate limit.
      const flood = await Promise.all(
        Array.from({ length: FLOOD_LIMIT_PER_MINUTE * 3 }, () => h.gql('{ me { id } }', {}, flooder)),
      );
      const limited = flood.filter((response) => codes(response).includes('RATE_LIMITED')).length;
      expect(limited).toBeGreaterThanOrEqual(FLOOD_LIMIT_PER_MINUTE * 2 - 5);
      refusals['flood'] = ['RATE_LIMITED'];
    };

    // The victim measures while the abuse runs, then once more after it.
    let abusing = true;
    const during: number[] = [];
    const abuseDone = abuse().finally(() => {
      abusing = false;
    });
    while (abusing) during.push(...(await timeSequential(1, victimProbe)));
    await abuseDone;

    const health = await fetch(h.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
    const after = await timeSequential(20, victimProbe);
    for (const [name, list] of Object.entries(refusals)) {
      expect(list.length, `${name} carries an error`).toBeGreaterThan(0);
      for (const code of list) expect(REFUSAL_CODES.has(code), `${name}: ${code}`).toBe(true);
    }
    // Armor's limits and over-long ids are the client's mistake, and say so.
    for (const name of ['deep', 'wide', 'alias bomb', 'very long string']) {
      expect(refusals[name], name).toEqual(['BAD_USER_INPUT']);
    }
    const figures = {
      baselineP50Ms: quantile(baseline, 0.5),
      duringP50Ms: quantile(during, 0.5),
      duringP95Ms: quantile(during, 0.95),
      afterP50Ms: quantile(after, 0.5),
      probesDuringAbuse: during.length,
      subscriptionsAccepted: acceptedSubscriptions,
      subscriptionCap: SUBSCRIPTION_CAP,
      refusals,
    };
    recordFigure('api-abuse', figures);
    // Generous: the machine is shared; the point is that the victim is answered, not starved.
    expect(figures.duringP50Ms).toBeLessThan(figures.baselineP50Ms * 20 + 200);
    expect(figures.afterP50Ms).toBeLessThan(figures.baselineP50Ms * 5 + 50);
  }, 300_000);
});
