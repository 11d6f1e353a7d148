/**
 * Less raw data at rest: every file and folder the product writes under its data folder — the embedded log with
 * raw events, processor state, secrets, budgets, the audit log, SQLite's -wal and -shm files — is its owner's
 * alone (files 0600, folders 0700), and raw records go from the embedded log once ingest is past them and the
 * grace has passed; checked on a real `cleanroom serve` run with the simulator writing.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
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

  it('deletes raw records behind ingest after the grace, and says so in counts only', async () => {
    dataDir = createTempDir('raw-grace');
    product = await startServe({ dataDir, args: ['--dev-tokens', '--raw-grace', '2'] });
    const running = product;
    // A sweep behind shoppers' records (the demo opens with the stock system's counts, which a first sweep may
    // delete alone, before any shopper's record was ingested).
    const behindShoppers = (entry: string): boolean =>
      entry.includes('raw records deleted behind ingest') && entry.includes('"topic":"retail.transactions"');
    await waitFor(() => running.stderr().split('\n').some(behindShoppers), {
      timeout: 90_000,
      interval: 500,
      message: 'a retention sweep deleted raw shopper records',
    });
    const line = running.stderr().split('\n').find(behindShoppers)!;
    const logged = JSON.parse(line) as { deleted: Array<{ topic: string; records: number }> };
    expect(logged.deleted.every(({ topic, records }) => topic.startsWith('retail.') && records > 0)).toBe(
      true,
    );
    // What is left of the raw topics is what ingest has not committed (or committed within the grace), a small part
    // of what the simulator wrote; the derived topics keep everything.
    const db = new Database(path.join(dataDir, 'log.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const rows = (topicPattern: string) =>
        (
          db
            .prepare(
              `SELECT count(*) AS n FROM log_messages m JOIN log_partitions p
                 ON m.id >= p.id * 4294967296 AND m.id < (p.id + 1) * 4294967296 WHERE p.topic LIKE ?`,
            )
            .get(topicPattern) as { n: number }
        ).n;
      const written = (
        db
          .prepare(
            `SELECT sum(next_offset) AS n FROM log_partitions
               WHERE topic LIKE 'retail.%' AND topic NOT IN ('retail.campaigns', 'retail.inventory')`,
          )
          .get() as { n: number }
      ).n;
      expect(written).toBeGreaterThan(1_000);
      expect(
        rows('retail.transactions') + rows('retail.interactions') + rows('retail.ad-events'),
      ).toBeLessThan(written);
      expect(rows('cleanroom.events')).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('refuses a raw grace that is not whole seconds or keep', () => {
    const result = spawnSync(process.execPath, ['bin/cleanroom.ts', 'serve', '--raw-grace', 'soon'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--raw-grace must be whole seconds (0 or more) or "keep"');
  });
});
