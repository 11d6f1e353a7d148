/**
 * `npm run bench:long-run`, the script behind the README's figures for a long `npm start`: a short run of it starts
 * the real server, samples its data folder and memory, stops it and writes its results and chart.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/kafka/broker-control.mjs';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('npm run bench:long-run', () => {
  const resultsDir = createTempDir('long-run');
  afterAll(() => removeTempDir(resultsDir));

  it('samples the server it starts and writes the samples and a chart', async () => {
    const port = await freePort();
    const run = spawnSync(
      'npm',
      [
        'run',
        'bench:long-run',
        '--silent',
        '--',
        ...['--minutes', '0.4', '--interval', '5', '--out', resultsDir, '--port', String(port)],
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status, run.stderr.slice(-4000)).toBe(0);
    expect(run.stdout).toMatch(/long run done: data folder/);
    const files = fs.readdirSync(resultsDir);
    const json = files.find((file) => /^long-run-\d{4}-\d{2}-\d{2}\.json$/.test(file));
    expect(json).toBeDefined();
    const result = JSON.parse(fs.readFileSync(path.join(resultsDir, json!), 'utf8')) as {
      samples: Array<{ minutes: number; dataMiB: number; logMiB: number; rssMiB: number }>;
    };
    expect(result.samples.length).toBeGreaterThanOrEqual(3);
    for (const sample of result.samples) expect(sample.rssMiB).toBeGreaterThan(20);
    expect(result.samples.at(-1)!.dataMiB).toBeGreaterThan(1);
    // The server was working: its log grew while it was sampled.
    expect(result.samples.at(-1)!.logMiB).toBeGreaterThan(result.samples[0]!.logMiB);
    expect(fs.readFileSync(path.join(resultsDir, 'long-run.svg'), 'utf8')).toContain('resident memory');
  }, 150_000);
});
