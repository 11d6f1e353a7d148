#!/usr/bin/env node
/**
 * Runs after `npm install` / `npm ci` (the `postinstall` script). The project runs on the Node.js it installs itself
 * (the `node` package pinned in devDependencies; npm scripts and bin/cleanroom put it first), whatever Node ran npm.
 * This checks that the runtime is that one and that each native module loads in it, so a broken install fails here,
 * with the reason, rather than at the first request.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Each native module and a line of code that needs its binary. */
const NATIVE_MODULES = {
  'better-sqlite3':
    "const Database = require('better-sqlite3'); new Database(':memory:').prepare('select 1').get();",
};

function say(message) {
  process.stdout.write(`check-runtime: ${message}\n`);
}

const wanted = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies?.node;
if (wanted !== undefined && process.versions.node !== wanted) {
  // npm puts the project's node first on PATH; it is missing when its setup script did not run.
  say(
    `running on Node ${process.versions.node}, not the project's ${wanted}: install without --ignore-scripts`,
  );
  process.exit(1);
}

let failed = false;
for (const [name, code] of Object.entries(NATIVE_MODULES)) {
  const probe = spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' });
  if (probe.status === 0) {
    say(`${name} loads in Node ${process.versions.node}`);
    continue;
  }
  const reason = `${probe.stderr}${probe.stdout}`.split('\n').find((line) => /Error/.test(line));
  say(`${name} does not load in Node ${process.versions.node}: ${reason ?? `exit ${probe.status}`}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
