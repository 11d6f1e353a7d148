/**
 * The guides against the live demo, as a new partner meets it: `npm start` exactly as the README says (simulator
 * on), then every block marked `demo`, late. The restaurant chain's `triggerFired` example starts only after the
 * demo's first trigger has come and gone and two minutes have passed (the old demo fired its triggers in the first
 * minute and then nothing for 10+ minutes), and must receive a trigger that fired after it subscribed within 3
 * minutes; the overlap example uploads the shipped sample audience; the below-threshold example stays below.
 * Before that, the host's own views show what the demo is there to show in its first minutes: a stock-out pausing
 * a campaign line, bid multipliers moving, offers made and redeemed.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_IDS, REGIONS, demoStart } from '../../simulator/index.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { runGraphqlBlock, runShellBlock, runTypeScriptBlock } from './block-runner.ts';
import type { ProcessResult } from './block-runner.ts';
import { extractBlocks } from './guide-blocks.ts';
import { linkProjectInto } from './guide-product.ts';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const GUIDES = ['docs/partner-guide.md', 'docs/privacy-officer-guide.md', 'docs/operations.md'];
/** "Late": this long after the product started, and after its first trigger. */
const LATE_MS = 120_000;
/** The demo shows a paused line, moving bid multipliers and redeemed offers this soon (asked: a minute or two). */
const FIRST_SIGHTS_WITHIN_MS = 150_000;
/** A subscription started at any time in the demo's first hour receives a trigger within this. */
const TRIGGER_WITHIN_MS = 180_000;

const blocks = GUIDES.flatMap((file) =>
  extractBlocks(readFileSync(path.join(projectRoot, file), 'utf8'), file),
).filter((block) => block.marker?.demo === true && block.marker.skipReason === undefined);

describe('the guides against the live demo (npm start)', () => {
  let serve: ServeProcess;
  let workDir: string;
  let dataDir: string;
  let startedAt: number;

  beforeAll(async () => {
    workDir = createTempDir('docs-demo-work');
    dataDir = createTempDir('docs-demo-data');
    linkProjectInto(workDir);
    startedAt = Date.now();
    serve = await startServe({ dataDir, viaNpmStart: true });
  }, 120_000);

  afterAll(async () => {
    const stopped = await serve?.stop();
    removeTempDir(workDir);
    removeTempDir(dataDir);
    if (stopped) expect(serve.stdout()).toContain('stopped cleanly');
  });

  it('marks the examples that depend on the demo', () => {
    expect(blocks.map((block) => `${block.file}:${block.kind}:${block.marker?.as}`)).toEqual(
      expect.arrayContaining([
        'docs/partner-guide.md:ts:burger-barn',
        'docs/partner-guide.md:ts:fresh-oats',
        'docs/partner-guide.md:graphql:sparkle-soda',
      ]),
    );
  });

  it(
    'shows a paused campaign line, moving bid multipliers and offers made and redeemed in its first minutes',
    async () => {
      const host = serve.tokens.get('host-ops') ?? '';
      const campaigns = Object.values(CAMPAIGN_IDS);
      // Every push of the host's (exact) multipliers of one campaign; "moving" is two pushes that differ.
      const bids = collect<{ placements: Array<{ placement: string; multiplier: number }> }>(
        wsClient(serve.graphqlUrl, host),
        `subscription { bidMultipliers(campaignId: "${CAMPAIGN_IDS.freshOatsSpring}") { placements { placement multiplier } } }`,
        'bidMultipliers',
      );
      const day = (ms: number): string => new Date(ms).toISOString();
      const seen: Record<'pause' | 'bidsMoved' | 'offerRedeemed', number | null> = {
        pause: null,
        bidsMoved: null,
        offerRedeemed: null,
      };
      const offerReport = `query ($from: DateTime!, $to: DateTime!, $regions: [String!]!) {
        offerReport(brand: "fresh-oats", from: $from, to: $to, regions: $regions) {
          rows { offersMade offersRedeemed }
        }
      }`;
      try {
        await waitFor(
          async () => {
            const elapsed = Date.now() - startedAt;
            if (bids.errors.length > 0) throw new Error(JSON.stringify(bids.errors));
            if (seen.bidsMoved === null) {
              const shapes = new Set(bids.items.map((push) => JSON.stringify(push.placements)));
              if (shapes.size >= 2) seen.bidsMoved = elapsed;
            }
            if (seen.pause === null) {
              const fields = campaigns.map(
                (id, i) => `c${i}: campaignPauses(campaignId: "${id}") { productId }`,
              );
              const paused = await graphql<Record<string, unknown[]>>(
                serve.graphqlUrl,
                host,
                `{ ${fields.join(' ')} }`,
              );
              if (paused.errors) throw new Error(JSON.stringify(paused.errors));
              if (Object.values(paused.data ?? {}).some((lines) => lines.length > 0)) seen.pause = elapsed;
            }
            if (seen.offerRedeemed === null) {
              const start = demoStart();
              const report = await graphql<{
                offerReport: { rows: Array<{ offersMade: number; offersRedeemed: number }> };
              }>(serve.graphqlUrl, host, offerReport, {
                from: day(start),
                to: day(start + 2 * 86_400_000),
                regions: REGIONS.map((region) => region.name),
              });
              if (report.errors) throw new Error(JSON.stringify(report.errors));
              const rows = report.data?.offerReport.rows ?? [];
              const made = rows.reduce((sum, row) => sum + row.offersMade, 0);
              const redeemed = rows.reduce((sum, row) => sum + row.offersRedeemed, 0);
              if (made > 0 && redeemed > 0) seen.offerRedeemed = elapsed;
            }
            return Object.values(seen).every((at) => at !== null);
          },
          {
            timeout: Math.max(FIRST_SIGHTS_WITHIN_MS - (Date.now() - startedAt), 1_000),
            interval: 2_000,
            message: `a paused line, moving multipliers and a redeemed offer within ${FIRST_SIGHTS_WITHIN_MS / 1000} s`,
          },
        ).catch((error: unknown) => {
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(`${reason}; seen (ms after npm start): ${JSON.stringify(seen)}`);
        });
      } finally {
        bids.stop();
      }
      const seconds = (at: number | null): string => `${((at ?? Number.NaN) / 1000).toFixed(0)} s`;
      process.stdout.write(
        `guides demo: first paused line ${seconds(seen.pause)}, bid multipliers moved ${seconds(seen.bidsMoved)}, ` +
          `first redeemed offer ${seconds(seen.offerRedeemed)} after npm start\n`,
      );
    },
    FIRST_SIGHTS_WITHIN_MS + 30_000,
  );

  it(
    'runs every demo example late in the demo, a late triggerFired subscription included',
    async () => {
      const qsr = serve.tokens.get('burger-barn') ?? '';
      // Watch the triggers as a restaurant chain would, with one subscription (paid once; the trigger list is charged
      // per query). The demo's first trigger, then the first minutes pass: a chain subscribing after that is late.
      const watched = collect<{ windowStart: string }>(
        wsClient(serve.graphqlUrl, qsr),
        'subscription { triggerFired(categories: ["plant_based_meat"]) { windowStart } }',
        'triggerFired',
      );
      await waitFor(
        () => {
          if (watched.errors.length > 0) throw new Error(JSON.stringify(watched.errors));
          return watched.items.length > 0 && Date.now() - startedAt >= LATE_MS;
        },
        { timeout: LATE_MS + 120_000, interval: 1_000, message: 'the first trigger, and two minutes gone' },
      );
      watched.stop();
      const seenBefore =
        watched.items
          .map((trigger) => trigger.windowStart)
          .sort()
          .at(-1) ?? '';

      const captured: Record<string, string> = {};
      for (const block of blocks) {
        const marker = block.marker!;
        const where = `${block.file}:${block.line}`;
        const token = marker.as === undefined ? undefined : serve.tokens.get(marker.as);
        const isTriggerSubscription = block.code.includes('triggerFired');
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          ...captured,
          CLEANROOM_URL: serve.baseUrl,
          CLEANROOM_DATA_DIR: dataDir,
          ...(token === undefined ? {} : { TOKEN: token }),
        };
        // The upload takes the shipped sample, as a reader's run without AUDIENCE_FILE does.
        delete env['AUDIENCE_FILE'];
        const environment = {
          workDir,
          env,
          graphqlUrl: serve.graphqlUrl,
          timeoutMs: isTriggerSubscription ? TRIGGER_WITHIN_MS + 20_000 : 60_000,
        };
        const began = Date.now();
        if (block.kind === 'graphql') {
          const result = await runGraphqlBlock(block, environment, token);
          if (marker.expectError !== undefined) {
            expect(result.errors.length, `${where} ${JSON.stringify(result)}`).toBeGreaterThan(0);
            for (const error of result.errors) expect(error.extensions?.code, where).toBe(marker.expectError);
          } else expect(result.errors, where).toEqual([]);
          continue;
        }
        const result: ProcessResult =
          block.kind === 'sh'
            ? await runShellBlock(block, environment)
            : await runTypeScriptBlock(block, environment);
        const tookMs = Date.now() - began;
        const output = `${where}: exit ${result.exitCode} after ${tookMs} ms\n${result.stdout}\n${result.stderr}`;
        expect(result.exitCode, output).toBe(0);
        if (marker.expectStdout !== undefined)
          expect(result.stdout, output).toMatch(new RegExp(marker.expectStdout, 'm'));
        if (marker.capture !== undefined)
          captured[marker.capture] = result.stdout.trim().split('\n').at(-1) ?? '';
        if (isTriggerSubscription) {
          const windowStart = /^trigger \S+ \S+ (\S+) /m.exec(result.stdout)?.[1] ?? '';
          process.stdout.write(
            `guides demo: subscribed ${((began - startedAt) / 1000).toFixed(0)} s after npm start, got the trigger of ` +
              `window ${windowStart} after ${(tookMs / 1000).toFixed(1)} s (latest before subscribing: ${seenBefore})\n`,
          );
          expect(tookMs, output).toBeLessThan(TRIGGER_WITHIN_MS);
          // A trigger that fired after the subscription began, not one from before.
          expect(windowStart > seenBefore, output).toBe(true);
        }
      }
    },
    LATE_MS + 120_000 + 10 * 60_000,
  );
});
