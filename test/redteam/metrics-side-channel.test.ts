/**
 * Red team — `/metrics` is a side channel open to anyone who can reach the GraphQL port.
 *
 * Leak (severity MEDIUM): `/metrics` sits on the same listener as `/graphql` and asks for no credentials. Any
 * partner (or anyone) reads there, exactly and un-noised:
 * - every other partner's spent epsilon (`cleanroom_gateway_epsilon_spent_total{partner="..."}`) — a budget
 *   reading of another tenant, which tells when and how much a competitor queries;
 * - exact counts of the host's records per topic (`cleanroom_gateway_events_processed_total{topic=...}`): how
 *   many consent changes (opt-outs, erasures), segment changes and attribution restatements there were since the
 *   last scrape — data that partners may otherwise only see through noise and thresholds.
 *
 * Secure behaviour asserted: without operator credentials `/metrics` is refused, or at least it names no partner
 * and counts no shopper-data topic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { consentChange, fillSegment, startHarness } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';

describe('red team: /metrics reads another tenant’s budget and exact host counts', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ mode: 'policies' });
    await fillSegment(harness, 'seg-plant', 120, 'plant');
    await waitFor(() => harness.gateway.services.readModels.segmentSize('seg-plant') === 120);
  });
  afterAll(async () => {
    await harness.close();
  });

  it('names the other partner’s spent epsilon and counts the host’s consent changes exactly', async () => {
    // brand-acme queries twice (epsilon 0.5 each).
    const acme = await harness.token('brand-acme', 'BRAND');
    for (let index = 0; index < 2; index += 1) {
      await harness.gql('{ segmentSize(segmentId: "seg-plant") { value } }', {}, acme);
    }
    // Seven shoppers withdraw consent.
    await harness.log.produce(
      TOPICS.consent,
      Array.from({ length: 7 }, (_, index) => ({
        key: `plant-${index}`,
        value: JSON.stringify(consentChange(`plant-${index}`, false)),
      })),
    );
    await waitFor(() => harness.gateway.services.readModels.consentCounts().optedOut === 7);

    // brand-zest (or anyone: no token at all) scrapes /metrics.
    const metricsUrl = harness.url.replace(/\/graphql$/, '/metrics');
    const response = await fetch(metricsUrl);
    const body = await response.text();
    const lines = body
      .split('\n')
      .filter((line) =>
        /epsilon_spent_total\{|events_processed_total\{topic="cleanroom\.consent"/.test(line),
      );
    console.log(`/metrics without credentials (HTTP ${response.status}):\n${lines.join('\n')}`);
    if (response.status === 401 || response.status === 403) return;
    expect(body).not.toContain('partner="brand-acme"');
    expect(body).not.toMatch(
      /events_processed_total\{topic="cleanroom\.(consent|segment-changes|attributions)"\}/,
    );
  });
});
