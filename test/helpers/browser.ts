/**
 * Headless Chromium (Debian's package) driven by playwright-core. `npm test` installs the package when it is
 * missing and it can (scripts/ensure-chromium.mjs); outside CI a machine without it skips the browser suites
 * with a one-line reason, under CI=true a missing browser fails the run.
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = process.env['CLEANROOM_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why browser suites cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  if (fs.existsSync(CHROMIUM_PATH)) return undefined;
  if (process.env['CI'] === 'true') throw new Error(`CI=true but no Chromium at ${CHROMIUM_PATH}`);
  return `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
}

/** Launch headless Chromium with the flags this project's machines need. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
