/**
 * `npm run bench -- --quick`, the smoke run CI keeps alive: every suite runs to the end (a Kafka broker
 * included) and writes its table, each measured figure beside its baseline, and its charts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('npm run bench -- --quick', () => {
  const resultsDir = createTempDir('bench-quick');
  afterAll(() => removeTempDir(resultsDir));

  it('runs every suite and writes the results table and charts', () => {
    const started = Date.now();
    const run = spawnSync('npm', ['run', 'bench', '--silent', '--', '--quick', '--results', resultsDir], {
      cwd: root,
      encoding: 'utf8',
      // A guard against a hang, not a speed check: nine suites, two of them with the demo running, on a loaded
      // machine.
      timeout: 420_000,
    });
    expect(run.status, run.stderr.slice(-4000)).toBe(0);
    process.stdout.write(`bench --quick finished in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    const table = fs.readFileSync(path.join(resultsDir, 'latest-quick.md'), 'utf8');
    for (const suite of [
      'simulator',
      'audit',
      'pipeline-embedded',
      'queries',
      'subscriptions',
      'memory-and-scale',
      'bidding',
    ]) {
      expect(table, `the ${suite} suite`).toContain(`| ${suite} |`);
    }
    // Every ratio row names its baseline; a figure that was not measured says so rather than inventing one.
    const rows = table.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| suite'));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows.filter((line) =>
      /\| \d+(\.\d+)?% \|/.test(line.split('|').slice(7, 8).join('|')),
    )) {
      expect(row.split('|')[6]?.trim(), row).not.toBe('');
    }
    expect(fs.readdirSync(resultsDir).some((file) => file.endsWith('.svg'))).toBe(true);
  }, 480_000);
});
