/**
 * The privacy officer console in a real browser against the real product: sign in with a PRIVACY_OFFICER
 * token, watch a brand's decisions arrive in the live tail, press "verify now", and keep a screenshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchBrowser } from '../helpers/browser.ts';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const skipReason = browserSkipReason();
const artifacts = path.resolve(import.meta.dirname, '../../test-results');

describe.skipIf(skipReason !== undefined)(
  `privacy officer console${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let serve: ServeProcess;
    let browser: Browser;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = createTempDir('console');
      serve = await startServe({ dataDir, args: ['--no-simulate', '--dev-tokens'] });
      browser = await launchBrowser();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      removeTempDir(dataDir);
    });

    it('shows decisions live, verifies the log and charts budgets', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const consoleErrors: string[] = [];
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      await page.goto(`${serve.baseUrl}/console`);

      // A brand's token is refused: the console is for privacy officers.
      await page.fill('#token', serve.tokens.get('fresh-oats') ?? '');
      await page.click('#sign-in-form button[type=submit]');
      await expect.poll(() => page.textContent('#sign-in-error')).toMatch(/not a privacy officer/);

      await page.fill('#token', serve.tokens.get('dpo') ?? '');
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForSelector('#dashboard:not([hidden])');
      await expect.poll(() => page.textContent('#whoami')).toContain('dpo');

      // The brand works while the officer watches: an allowed query and a forbidden one.
      const brand = serve.tokens.get('fresh-oats') ?? '';
      const budget = await graphql(serve.graphqlUrl, brand, '{ privacyBudget { epsilonRemaining } }');
      expect(budget.errors).toBeUndefined();
      const forbidden = await graphql(
        serve.graphqlUrl,
        brand,
        '{ campaignReport(campaignId: "cmp-sparkle-soda-summer") { campaignId } }',
      );
      expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      const rows = page.locator('#decision-rows tr');
      await expect
        .poll(async () => (await rows.allTextContents()).join('\n'), { timeout: 20_000 })
        .toMatch(/fresh-oats[\s\S]*campaign\.report[\s\S]*deny|fresh-oats.*budget\.read/);
      const texts = (await rows.allTextContents()).join('\n');
      expect(texts).toContain('budget.read');
      expect(texts).toContain('campaign.report');

      await page.click('#verify-now');
      await expect
        .poll(() => page.textContent('#verify-result'), { timeout: 20_000 })
        .toMatch(/Log verified: \d+ entries/);
      expect(Number(await page.textContent('#audit-size'))).toBeGreaterThan(0);
      expect(await page.locator('#budget-chart svg').count()).toBe(1);
      expect(await page.textContent('#budget-chart')).toContain('fresh-oats');

      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'console.png'), fullPage: true });
      expect(consoleErrors).toEqual([]);
    }, 90_000);
  },
);
