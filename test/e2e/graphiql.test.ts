/**
 * GraphiQL with the network closed: a real browser loads `/graphql` from the running product while every request to
 * any other origin is refused, pastes a token into the headers editor, runs a query and a subscription with it,
 * and finds nothing blocked, no error and a Content-Security-Policy that names no other origin.
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

/** The sources a directive may name without naming another origin. */
const OWN_SOURCES = new Set(["'self'", "'none'", "'unsafe-inline'", 'data:', 'blob:']);

/** Replace the text of the Monaco editor at `index` (0: query, then the visible editor tools). */
async function setEditor(page: Page, editor: ReturnType<Page['locator']>, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText is one input, as a paste is: the editor does not add closing brackets or quotes to it.
  await page.keyboard.insertText(text);
}

describe.skipIf(skipReason !== undefined)(
  `GraphiQL offline${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let serve: ServeProcess;
    let browser: Browser;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = createTempDir('graphiql');
      serve = await startServe({ dataDir, args: ['--no-simulate', '--dev-tokens'] });
      browser = await launchBrowser();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await serve?.stop();
      removeTempDir(dataDir);
    });

    it('loads from the product alone and runs a query and a subscription', async () => {
      const origin = new URL(serve.baseUrl).origin;
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const blocked: string[] = [];
      const problems: string[] = [];
      // The network is closed: only the product's own origin answers (ws:// included).
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith(origin)) return route.continue();
        blocked.push(url);
        return route.abort('internetdisconnected');
      });
      const page = await context.newPage();
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' || /Content Security Policy/i.test(message.text()))
          problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
      });
      page.on('websocket', (socket) => {
        if (!socket.url().startsWith(origin.replace(/^http/, 'ws'))) blocked.push(socket.url());
      });
      await page.addInitScript(() => {
        (window as unknown as { cspViolations: string[] }).cspViolations = [];
        document.addEventListener('securitypolicyviolation', (event) =>
          (window as unknown as { cspViolations: string[] }).cspViolations.push(
            `${event.violatedDirective} ${event.blockedURI}`,
          ),
        );
      });

      const response = await page.goto(`${serve.baseUrl}/graphql`);
      expect(response?.status()).toBe(200);
      const policy = response?.headers()['content-security-policy'] ?? '';
      const directives = Object.fromEntries(
        policy
          .split(';')
          .map((part) => part.trim().split(/\s+/))
          .filter((words) => words[0])
          .map(([name, ...sources]) => [name!, sources]),
      );
      expect(directives['default-src']).toEqual(["'none'"]);
      expect(directives['script-src']).toEqual(["'self'"]);
      expect(directives['connect-src']).toEqual(["'self'"]);
      for (const [name, sources] of Object.entries(directives))
        for (const source of sources) expect(OWN_SOURCES, `${name} ${source}`).toContain(source);
      // The page as served: no inline script, no address of anywhere else.
      expect(await response?.text()).not.toMatch(/<script>|https?:\/\//);

      await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
      const queryEditor = page.locator('.graphiql-query-editor .monaco-editor').first();
      await queryEditor.waitFor({ timeout: 30_000 });
      const headersEditor = page.locator(
        '.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor',
      );
      await headersEditor.waitFor({ timeout: 30_000 });

      const dpo = serve.tokens.get('dpo') ?? '';
      await setEditor(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${dpo}` }));
      await page.click('button[aria-label^="Execute query"]');
      const result = page.locator('.result-window');
      await expect.poll(() => result.textContent(), { timeout: 30_000 }).toMatch(/"id":\s*"dpo"/);
      expect(await result.textContent()).toMatch(/"role":\s*"PRIVACY_OFFICER"/);

      // A subscription from the same page (over SSE, with the pasted headers): a decision made elsewhere arrives.
      await setEditor(
        page,
        queryEditor,
        'subscription Tail { policyDecisionLogged { sequence principal action } }',
      );
      // GraphiQL has read the new operation once its tab is named after it.
      await expect
        .poll(() => page.locator('button', { hasText: /^Tail$/ }).count(), { timeout: 10_000 })
        .toBe(1);
      await page.click('button[aria-label^="Execute query"]');
      const brand = serve.tokens.get('fresh-oats') ?? '';
      await expect
        .poll(
          async () => {
            await graphql(serve.graphqlUrl, brand, '{ privacyBudget { epsilonRemaining } }');
            return result.textContent();
          },
          { timeout: 30_000, interval: 1_000 },
        )
        .toMatch(/"principal":\s*"fresh-oats"/);

      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'graphiql.png') });
      expect(blocked).toEqual([]);
      expect(
        await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
      ).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    }, 120_000);

    it('serves its assets from the product, compressed and cacheable, and nothing it does not have', async () => {
      const page = await fetch(`${serve.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
      expect(assets.length).toBe(5);
      for (const asset of assets) {
        expect(asset.startsWith('/graphiql/')).toBe(true);
        const answer = await fetch(`${serve.baseUrl}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
        expect(answer.status, asset).toBe(200);
        expect(answer.headers.get('cache-control')).toContain('immutable');
        expect((await answer.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
      }
      const missing = await fetch(`${serve.baseUrl}/graphiql/0.0.0/yoga-graphiql.js`);
      expect(missing.status).toBe(404);
      // A client that asks for JSON still gets GraphQL, not the page.
      const api = await fetch(
        `${serve.baseUrl}/graphql?query=${encodeURIComponent('{ health { status } }')}`,
        {
          headers: { accept: 'application/json' },
        },
      );
      expect(
        ((await api.json()) as { data: { health: { status: string } } }).data.health.status,
      ).toBeTruthy();
    });
  },
);
