/**
 * Less raw data at rest: every file and folder the product writes under its data folder — the embedded log with
 * raw events, processor state, secrets, budgets, the audit log, SQLite's -wal and -shm files — is its owner's
 * alone (files 0600, folders 0700), checked on a real `cleanroom serve` run with the simulator writing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? [full, ...walk(full)] : [full];
  });
}

describe('data at rest', () => {
  let product: ServeProcess | undefined;
  let dataDir = '';
  afterEach(async () => {
    await product?.stop();
    product = undefined;
    removeTempDir(dataDir);
  });

  it('keeps every file of the data folder readable by its owner only', async () => {
    dataDir = createTempDir('data-at-rest');
    product = await startServe({ dataDir, args: ['--dev-tokens'] });
    const running = product;
    // Raw events have reached the log and ingest has written state: the folder holds every kind of file.
    await waitFor(
      async () => {
        const summary = await graphql<{ consentSummary: { total: number } }>(
          running.graphqlUrl,
          running.tokens.get('dpo'),
          '{ consentSummary { total } }',
        );
        return (summary.data?.consentSummary.total ?? 0) > 0;
      },
      { timeout: 60_000, message: 'shoppers through ingest' },
    );
    const entries = [dataDir, ...walk(dataDir)];
    expect(entries.some((entry) => entry.endsWith('log.sqlite-wal'))).toBe(true);
    const exposed = entries
      .map((entry) => ({
        entry: path.relative(dataDir, entry) || '.',
        mode: fs.statSync(entry).mode & 0o777,
      }))
      .filter(({ mode }) => (mode & 0o077) !== 0);
    expect(exposed).toEqual([]);
  });
});
