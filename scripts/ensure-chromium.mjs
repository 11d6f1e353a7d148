#!/usr/bin/env node
/**
 * Part of `npm test`: the console's browser test drives Debian's Chromium. Installs it with apt-get when it is
 * missing and this user can; otherwise says why (under CI=true a missing browser is an error, elsewhere the
 * browser suites skip with a one-line reason).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const chromium = process.env.CLEANROOM_CHROMIUM ?? '/usr/bin/chromium';
if (fs.existsSync(chromium)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (isRoot && hasApt) {
  process.stderr.write('ensure-chromium: installing Debian chromium for the browser tests (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install =
    update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env })
      : update;
  if (install.status === 0 && fs.existsSync(chromium)) {
    process.stderr.write('ensure-chromium: chromium installed\n');
    process.exit(0);
  }
}
const reason = `no Chromium at ${chromium} and it could not be installed here (apt-get install -y chromium)`;
if (process.env.CI === 'true') {
  process.stderr.write(`ensure-chromium: ${reason}\n`);
  process.exit(1);
}
process.stderr.write(`ensure-chromium: ${reason}; the browser suites will be skipped\n`);
