/**
 * The privacy officer console in a real browser against the real product. Partners make a known set of decisions
 * (allowed, FORBIDDEN, BELOW_THRESHOLD, as brand, restaurant chain and host); the officer signs in, and the test
 * clicks every filter of the decision log and checks the rows it leaves, watches the live tail, pages back, reads
 * the charts, and signs out to a clean page. No request leaves the product's origin.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchBrowser } from '../helpers/browser.ts';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const skipReason = browserSkipReason();
const artifacts = path.resolve(import.meta.dirname, '../../test-results');
/** Budget reads by fresh-oats: more than one page of the table (50). */
const BUDGET_READS = 60;

/** Wait for the table to settle on rows that satisfy `check` (the table reloads asynchronously). */
async function rowsSettle(
  page: Page,
  check: (rows: Record<string, string>[]) => boolean,
): Promise<Record<string, string>[]> {
  let rows: Record<string, string>[] = [];
  await expect
    .poll(
      async () => {
        rows = await page.$$eval('#decision-rows tr', (trs) =>
          trs.map((tr) =>
            Object.fromEntries(
              [...tr.querySelectorAll('td')].map((td) => [td.dataset.column ?? '', td.textContent ?? '']),
            ),
          ),
        );
        return check(rows);
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  return rows;
}

/** `datetime-local` text of an instant in UTC (the page runs in UTC). */
const localInput = (ms: number) => new Date(ms).toISOString().slice(0, 19);

describe.skipIf(skipReason !== undefined)(
  `privacy officer console${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let serve: ServeProcess;
    let browser: Browser;
    let dataDir: string;
    const made = { forbiddenAt: 0, afterForbidden: 0 };

    beforeAll(async () => {
      dataDir = createTempDir('console');
      serve = await startServe({ dataDir, args: ['--no-simulate', '--dev-tokens'] });
      browser = await launchBrowser();

      // The decisions the officer will look at.
      const brand = serve.tokens.get('fresh-oats') ?? '';
      const qsr = serve.tokens.get('burger-barn') ?? '';
      const host = serve.tokens.get('host-ops') ?? '';
      for (let read = 0; read < BUDGET_READS; read += 1) {
        const answer = await graphql(serve.graphqlUrl, brand, '{ privacyBudget { epsilonRemaining } }');
        expect(answer.errors).toBeUndefined();
      }
      made.forbiddenAt = Date.now() - 1;
      const forbidden = await graphql(
        serve.graphqlUrl,
        brand,
        '{ campaignReport(campaignId: "cmp-sparkle-soda-summer") { campaignId } }',
      );
      expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      made.afterForbidden = Date.now() + 1;
      for (const segment of ['high-value-loyalty', 'plant-based-buyers']) {
        const small = await graphql(
          serve.graphqlUrl,
          brand,
          `{ segmentSize(segmentId: "${segment}") { value } }`,
        );
        expect(small.errors?.[0]?.extensions?.code).toBe('BELOW_THRESHOLD');
      }
      const triggers = await graphql(
        serve.graphqlUrl,
        qsr,
        '{ crossIndustryTriggers(first: 5) { edges { cursor } } }',
      );
      expect(triggers.errors).toBeUndefined();
      const contracts = await graphql(serve.graphqlUrl, host, '{ contracts { partnerId } }');
      expect(contracts.errors).toBeUndefined();
      // A token the gateway refuses: a decision without a verified principal.
      const refusedToken = await graphql(serve.graphqlUrl, 'not-a-token', '{ me { id } }');
      expect(refusedToken.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      removeTempDir(dataDir);
    });

    it('filters, tails, pages and charts the decision log, and signs out clean', async () => {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 1100 },
        timezoneId: 'UTC',
      });
      const page = await context.newPage();
      const origin = new URL(serve.baseUrl).origin;
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
      });
      page.on('request', (request) => {
        if (!request.url().startsWith(origin)) problems.push(`request off the origin: ${request.url()}`);
      });
      const served = await page.goto(`${serve.baseUrl}/console`);
      // A token page: its policy names no other origin.
      const policy = served?.headers()['content-security-policy'] ?? '';
      expect(policy).toContain("default-src 'self'");
      for (const source of policy
        .split(/[;\s]+/)
        .filter((word) => word.startsWith("'") || word.includes(':')))
        expect(["'self'", "'none'"]).toContain(source);

      // Signed out: the sign-in form and nothing else.
      expect(await page.isVisible('#sign-in')).toBe(true);
      for (const card of ['#dashboard', '#audit', '#activity', '#budgets', '#decisions'])
        expect(await page.isVisible(card), card).toBe(false);

      // A brand's token is refused: the console is for privacy officers.
      await page.fill('#token', serve.tokens.get('fresh-oats') ?? '');
      await page.click('#sign-in-form button[type=submit]');
      await expect
        .poll(() => page.textContent('#sign-in-error'), { timeout: 15_000 })
        .toMatch(/not a privacy officer/);
      expect(await page.isVisible('#dashboard')).toBe(false);

      await page.fill('#token', serve.tokens.get('dpo') ?? '');
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForSelector('#dashboard:not([hidden])');
      await expect.poll(() => page.textContent('#whoami'), { timeout: 15_000 }).toContain('dpo');
      expect(await page.isVisible('#sign-in')).toBe(false);

      // Newest first, the officer's own reads hidden, refusals told apart by their code.
      let rows = await rowsSettle(page, (all) => all.length === 50);
      const sequences = rows.map((row) => Number(row['sequence']));
      expect(sequences).toEqual([...sequences].sort((a, b) => b - a));
      expect(rows.some((row) => row['principal'] === 'dpo')).toBe(false);
      expect(await page.isVisible('#load-more')).toBe(true);

      // Effect: deny. Every row refused; both refusal codes there, and only those.
      await page.selectOption('select[name=effect]', 'deny');
      rows = await rowsSettle(page, (all) => all.length > 0 && all.every((row) => row['effect'] === 'deny'));
      expect(rows.map((row) => row['code']).sort()).toEqual([
        'BELOW_THRESHOLD',
        'BELOW_THRESHOLD',
        'FORBIDDEN',
        'UNAUTHENTICATED',
      ]);
      // Effect: allow.
      await page.selectOption('select[name=effect]', 'allow');
      rows = await rowsSettle(page, (all) => all.length > 0 && all.every((row) => row['effect'] === 'allow'));
      expect(rows.every((row) => row['code'] === '')).toBe(true);
      await page.selectOption('select[name=effect]', '');

      // Code: BELOW_THRESHOLD and nothing else.
      await page.selectOption('select[name=code]', 'BELOW_THRESHOLD');
      rows = await rowsSettle(page, (all) => all.length === 2);
      expect(rows.map((row) => [row['principal'], row['action'], row['code']])).toEqual([
        ['fresh-oats', 'segment.size', 'BELOW_THRESHOLD'],
        ['fresh-oats', 'segment.size', 'BELOW_THRESHOLD'],
      ]);
      await page.selectOption('select[name=code]', 'FORBIDDEN');
      rows = await rowsSettle(page, (all) => all.length === 1 && all[0]?.['code'] === 'FORBIDDEN');
      expect(rows[0]?.['action']).toBe('campaign.report');
      // Code: UNAUTHENTICATED, the refused token, shown without a principal, with its reason.
      await page.selectOption('select[name=code]', 'UNAUTHENTICATED');
      rows = await rowsSettle(page, (all) => all.length === 1 && all[0]?.['code'] === 'UNAUTHENTICATED');
      expect(rows[0]).toMatchObject({ principal: 'anonymous', role: 'none', action: 'auth.authenticate' });
      expect(rows[0]?.['reasons']).toMatch(/\w+/);
      expect(await page.getAttribute('#decision-rows td[data-column="principal"]', 'class')).toBe(
        'anonymous',
      );
      await page.selectOption('select[name=code]', '');

      // Role: the restaurant chain, then the host operator.
      await page.selectOption('select[name=role]', 'QSR');
      rows = await rowsSettle(page, (all) => all.length > 0 && all.every((row) => row['role'] === 'QSR'));
      expect(new Set(rows.map((row) => row['principal']))).toEqual(new Set(['burger-barn']));
      await page.selectOption('select[name=role]', 'HOST_ADMIN');
      rows = await rowsSettle(
        page,
        (all) => all.length > 0 && all.every((row) => row['role'] === 'HOST_ADMIN'),
      );
      expect(rows.map((row) => row['action'])).toContain('contracts.read');
      await page.selectOption('select[name=role]', '');

      // Partner, typed, applied with the button.
      await page.fill('input[name=principal]', 'burger-barn');
      await page.click('#filters button[type=submit]');
      rows = await rowsSettle(
        page,
        (all) => all.length > 0 && all.every((row) => row['principal'] === 'burger-barn'),
      );
      expect(rows.map((row) => row['action'])).toContain('triggers.read');

      // Action, with the partner cleared: every campaign report, whoever asked.
      await page.fill('input[name=principal]', '');
      await page.fill('input[name=action]', 'campaign.report');
      await page.press('input[name=action]', 'Enter');
      rows = await rowsSettle(page, (all) => all.length === 1 && all[0]?.['action'] === 'campaign.report');
      await page.fill('input[name=action]', '');

      // From / To: the second around the refusal holds it; a range after everything holds nothing.
      await page.fill('input[name=from]', localInput(made.forbiddenAt - 1_000));
      await page.fill('input[name=to]', localInput(made.afterForbidden + 1_000));
      await page.click('#filters button[type=submit]');
      await rowsSettle(page, (all) => all.some((row) => row['code'] === 'FORBIDDEN'));
      const from = Math.floor((made.forbiddenAt - 1_000) / 1000) * 1000;
      const to = Math.floor((made.afterForbidden + 1_000) / 1000) * 1000;
      const inRange = await page.$$eval('#decision-rows td[data-column="at"]', (cells) =>
        cells.map((cell) => (cell as HTMLElement).title),
      );
      for (const at of inRange) {
        expect(Date.parse(at)).toBeGreaterThanOrEqual(from);
        expect(Date.parse(at)).toBeLessThan(to);
      }
      await page.fill('input[name=from]', localInput(Date.now() + 3_600_000));
      await page.fill('input[name=to]', '');
      await page.click('#filters button[type=submit]');
      await rowsSettle(page, (all) => all.length === 0);
      await expect
        .poll(() => page.textContent('#decision-status'), { timeout: 15_000 })
        .toMatch(/No decision matches/);

      // Reset: everything back, own reads still hidden. Then ask for them.
      await page.click('#filters button[type=reset]');
      await rowsSettle(page, (all) => all.length === 50 && !all.some((row) => row['principal'] === 'dpo'));
      await page.check('#own-reads');
      rows = await rowsSettle(page, (all) => all.some((row) => row['principal'] === 'dpo'));
      const ownReads = new Set([
        'me.read',
        'audit.sth',
        'budget.read',
        'consent.read',
        'decisions.read',
        'decisions.subscribe',
      ]);
      for (const row of rows.filter((shown) => shown['principal'] === 'dpo'))
        expect(ownReads, row['action']).toContain(row['action']);
      // The console's sign-in read (`me`), with the brand's refused attempt beside it; hidden again when asked.
      await page.fill('input[name=action]', 'me.read');
      await page.click('#filters button[type=submit]');
      const onlyMe = (all: Record<string, string>[]) => all.every((row) => row['action'] === 'me.read');
      rows = await rowsSettle(page, (all) => onlyMe(all) && all.some((row) => row['principal'] === 'dpo'));
      expect(new Set(rows.map((row) => row['principal']))).toEqual(new Set(['dpo', 'fresh-oats']));
      await page.uncheck('#own-reads');
      rows = await rowsSettle(
        page,
        (all) => all.length > 0 && onlyMe(all) && !all.some((row) => row['principal'] === 'dpo'),
      );
      expect(new Set(rows.map((row) => row['principal']))).toEqual(new Set(['fresh-oats']));
      await page.fill('input[name=action]', '');

      // The host itself (the contracts folder) has no role: shown as "system".
      await page.fill('input[name=action]', 'contracts.change');
      await page.click('#filters button[type=submit]');
      rows = await rowsSettle(
        page,
        (all) => all.length > 0 && all.every((row) => row['action'] === 'contracts.change'),
      );
      expect(new Set(rows.map((row) => row['role']))).toEqual(new Set(['system']));
      await page.fill('input[name=action]', '');

      // Live tail under a filter: a new refusal appears on top, a new allowed read does not.
      await page.selectOption('select[name=effect]', 'deny');
      await rowsSettle(page, (all) => all.length === 4 && all.every((row) => row['effect'] === 'deny'));
      const brand = serve.tokens.get('fresh-oats') ?? '';
      await graphql(serve.graphqlUrl, brand, '{ privacyBudget { epsilonRemaining } }');
      const refused = await graphql(
        serve.graphqlUrl,
        brand,
        '{ campaignReport(campaignId: "cmp-vista-tv-launch") { campaignId } }',
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      rows = await rowsSettle(page, (all) => all.length === 5);
      expect(rows[0]?.['resource']).toBe('campaign:cmp-vista-tv-launch');
      expect(await page.getAttribute('#decision-rows tr:first-child', 'class')).toContain('fresh');
      expect(rows.every((row) => row['effect'] === 'deny')).toBe(true);
      await page.selectOption('select[name=effect]', '');

      // Paging back: one partner's budget reads span two pages.
      await page.fill('input[name=principal]', 'fresh-oats');
      await page.fill('input[name=action]', 'budget.read');
      await page.click('#filters button[type=submit]');
      await rowsSettle(
        page,
        (all) =>
          all.length === 50 &&
          all.every((row) => row['principal'] === 'fresh-oats' && row['action'] === 'budget.read'),
      );
      await page.click('#load-more');
      rows = await rowsSettle(page, (all) => all.length === BUDGET_READS + 1);
      const paged = rows.map((row) => Number(row['sequence']));
      expect(paged).toEqual([...paged].sort((a, b) => b - a));
      expect(new Set(paged).size).toBe(paged.length);
      expect(await page.isVisible('#load-more')).toBe(false);

      // Charts: decisions per partner and effect, with the totals made above (the budget reads, the one of the live
      // tail and the brand's refused sign-in, which read `me`); budget spending per partner.
      const freshOats = page.locator('#activity-chart g.activity-row[data-principal="fresh-oats"]');
      await expect
        .poll(() => freshOats.locator('text.totals').textContent(), { timeout: 20_000 })
        .toBe(`${BUDGET_READS + 2} allowed · 4 refused`);
      expect(await freshOats.locator('rect.bar-deny').count()).toBeGreaterThan(0);
      expect(await freshOats.locator('rect.bar-allow').count()).toBeGreaterThan(0);
      expect(await page.locator('#activity-chart g.activity-row[data-principal="burger-barn"]').count()).toBe(
        1,
      );
      expect(await page.locator('#activity-chart g.activity-row[data-principal="dpo"]').count()).toBe(0);
      const budgets = await graphql<{ privacyBudgets: Array<{ partnerId: string; epsilonSpent: number }> }>(
        serve.graphqlUrl,
        serve.tokens.get('dpo'),
        '{ privacyBudgets { partnerId epsilonSpent } }',
      );
      for (const budget of budgets.data?.privacyBudgets ?? []) {
        const chart = page.locator(`#budget-spend svg.budget-spend[data-partner="${budget.partnerId}"]`);
        expect(await chart.count(), budget.partnerId).toBe(1);
        expect(await chart.locator('path.spend-line').count()).toBe(1);
        expect(await chart.locator('line.limit').count()).toBe(1);
        expect(await chart.getAttribute('aria-label')).toContain(`ε ${budget.epsilonSpent.toFixed(2)}`);
      }
      expect(await page.locator('#budget-chart svg').count()).toBe(1);
      expect(await page.textContent('#budget-chart')).toContain('fresh-oats');

      await page.click('#verify-now');
      await expect
        .poll(() => page.textContent('#verify-result'), { timeout: 20_000 })
        .toMatch(/Log verified: \d+ entries/);
      expect(Number(await page.textContent('#audit-size'))).toBeGreaterThan(BUDGET_READS);

      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'console.png'), fullPage: true });

      // Sign out: back to the sign-in form alone, the token gone from the tab.
      await page.click('#sign-out');
      expect(await page.isVisible('#sign-in')).toBe(true);
      expect(await page.isVisible('#dashboard')).toBe(false);
      expect(await page.locator('#decision-rows tr').count()).toBe(0);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      await page.screenshot({ path: path.join(artifacts, 'console-signed-out.png') });
      expect(problems).toEqual([]);
      await context.close();
    }, 150_000);
  },
);
