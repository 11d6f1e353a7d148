/**
 * The README's quick start, exactly as written: `npm start` on a fresh data folder. Within 60 s a brand's
 * subscription shows audience signals, the restaurant chain sees a trigger, and the privacy officer sees the
 * audit entries those produced; Ctrl-C then stops everything within 5 s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe('the quick start', () => {
  const dataDir = createTempDir('quickstart');
  let serve: ServeProcess | undefined;

  afterAll(async () => {
    await serve?.stop();
    removeTempDir(dataDir);
  });

  it('is what the README says on its first screen', () => {
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    expect(firstScreen).toContain('npm install && npm start');
    expect(firstScreen).toContain('npm test');
  });

  it('shows signals, a trigger and audit entries within 90 s, and stops cleanly', async () => {
    const started = Date.now();
    serve = await startServe({ dataDir, viaNpmStart: true });
    for (const principal of ['fresh-oats', 'sparkle-soda', 'burger-barn', 'dpo', 'host-ops']) {
      expect(serve.tokens.get(principal), `a token for ${principal}`).toMatch(/^ey/);
    }
    const brand = serve.tokens.get('fresh-oats') ?? '';
    const signals = collect<{ segmentId: string; pseudonym: string; action: string }>(
      wsClient(serve.graphqlUrl, brand),
      'subscription { audienceSignals { segmentId pseudonym action at cursor } }',
      'audienceSignals',
    );
    const qsr = serve.tokens.get('burger-barn') ?? '';
    // A subscription pays for itself once; polling the trigger list every second would pay every time.
    const fired = collect<{ category: string; region: string; lift: number }>(
      wsClient(serve.graphqlUrl, qsr),
      'subscription { triggerFired { category region lift distinctBuyers } }',
      'triggerFired',
    );
    // Signals start once a segment passes the activation minimum (the sample host decides every 30 s).
    await waitFor(() => signals.items.length > 0 && fired.items.length > 0, {
      timeout: Math.max(1_000, 90_000 - (Date.now() - started)),
      interval: 1_000,
      message: 'signals and a trigger within 90 s of start',
    });
    fired.stop();
    type Triggers = {
      crossIndustryTriggers: { edges: Array<{ node: { category: string; region: string; lift: number } }> };
    };
    const answer = await graphql<Triggers>(
      serve.graphqlUrl,
      qsr,
      '{ crossIndustryTriggers(first: 20) { edges { node { category region lift distinctBuyers } } } }',
    );
    const triggers = answer.data?.crossIndustryTriggers.edges ?? [];
    const elapsed = Date.now() - started;
    signals.stop();
    process.stdout.write(
      `quick start: ${signals.items.length} signals and ${triggers.length} trigger(s) ${(elapsed / 1000).toFixed(1)} s after start\n`,
    );
    expect(signals.items[0]?.pseudonym).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(fired.items.some((trigger) => trigger.lift >= 2)).toBe(true);
    expect(triggers.some(({ node }) => node.lift >= 2)).toBe(true);

    const officer = serve.tokens.get('dpo') ?? '';
    const decisions = await graphql<{
      policyDecisions: { edges: Array<{ node: { principal: string; action: string } }> };
    }>(
      serve.graphqlUrl,
      officer,
      '{ policyDecisions(first: 100) { edges { node { principal action effect } } } }',
    );
    expect(decisions.errors).toBeUndefined();
    const logged =
      decisions.data?.policyDecisions.edges.map(({ node }) => `${node.principal}:${node.action}`) ?? [];
    expect(logged).toContain('fresh-oats:signals.subscribe');
    expect(logged).toContain('burger-barn:triggers.subscribe');
    expect(logged).toContain('burger-barn:triggers.read');
    // The brand's activation gate was decided, charged and logged before any signal reached it.
    expect(logged).toContain('fresh-oats:signals.activation');

    const running = serve;
    const stopped = await running.stop();
    serve = undefined;
    // npm, like a terminal's Ctrl-C, ends by the signal; the product itself reports a clean stop.
    expect(stopped.stoppedInMs).toBeLessThan(5_000);
    expect(stopped.code === 0 || stopped.signal === 'SIGINT').toBe(true);
    await waitFor(() => running.stdout().includes('stopped cleanly'), {
      timeout: 2_000,
      message: `a clean stop (stderr: ${running.stderr().slice(-2_000)}; stdout: ${running.stdout().slice(-1_500)})`,
    });
  }, 150_000);
});
