import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../../schema/db/index.ts';
import type { OpenedPostgres } from '../../../schema/db/index.ts';
import { BudgetExhaustedError, createSharedBudgetLedger } from '../../../policies/privacy/index.ts';
import type { BudgetKey, SharedBudgetLedger } from '../../../policies/privacy/index.ts';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.ts';
import type { TestDatabase } from '../../helpers/postgres.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const AT = new Date('2026-03-10T12:00:00Z');
const KEY: BudgetKey = {
  partnerId: 'fresh-oats',
  contractVersion: 'sha256:v1',
  window: 'day',
  epsilonLimit: 10,
  at: AT,
};

describe.skipIf(postgresSkipReason() !== undefined)('createSharedBudgetLedger (PostgreSQL)', () => {
  let database: TestDatabase;
  const pools: OpenedPostgres[] = [];
  /** A ledger on a pool of its own, as a gateway replica has. */
  const replica = async (): Promise<SharedBudgetLedger> => {
    const pool = await openPostgres(database.url, 'control-plane');
    pools.push(pool);
    return createSharedBudgetLedger(pool);
  };

  beforeEach(async () => {
    database = await createTestDatabase('budget');
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
    await database.drop();
  });

  it('previews, spends to the limit, then refuses with BUDGET_EXHAUSTED and spends nothing more', async () => {
    const ledger = await replica();
    expect(await ledger.preview(KEY)).toEqual({
      partnerId: 'fresh-oats',
      contractVersion: 'sha256:v1',
      window: 'day',
      windowStart: '2026-03-10T00:00:00.000Z',
      windowEnd: '2026-03-11T00:00:00.000Z',
      epsilonLimit: 10,
      epsilonSpent: 0,
      epsilonRemaining: 10,
    });
    expect(await ledger.trySpend({ ...KEY, epsilon: 4 })).toMatchObject({
      spent: true,
      status: { epsilonSpent: 4 },
    });
    expect((await ledger.spend({ ...KEY, epsilon: 6 })).epsilonRemaining).toBe(0);
    expect(await ledger.trySpend({ ...KEY, epsilon: 0.000001 })).toMatchObject({
      spent: false,
      status: { epsilonSpent: 10 },
    });
    const refused = await ledger.spend({ ...KEY, epsilon: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BudgetExhaustedError);
    expect((refused as BudgetExhaustedError).context).toMatchObject({
      epsilonSpent: 10,
      epsilonRequested: 1,
    });
  });

  it('counts in micro-epsilon, keeps windows, contract versions and partners apart, and refuses bad spends', async () => {
    const ledger = await replica();
    const key = { ...KEY, epsilonLimit: 1 };
    for (let spend = 0; spend < 10; spend += 1)
      expect((await ledger.trySpend({ ...key, epsilon: 0.1 })).spent).toBe(true);
    expect(await ledger.preview(key)).toMatchObject({ epsilonSpent: 1, epsilonRemaining: 0 });
    expect((await ledger.trySpend({ ...KEY, epsilon: 1, at: new Date('2026-03-11T00:00:00Z') })).spent).toBe(
      true,
    );
    expect((await ledger.trySpend({ ...KEY, contractVersion: 'sha256:v2', epsilon: 1 })).spent).toBe(true);
    expect((await ledger.trySpend({ ...KEY, partnerId: 'sparkle-soda', epsilon: 1 })).spent).toBe(true);
    await expect(ledger.trySpend({ ...KEY, epsilon: 0 })).rejects.toThrow(/epsilon/);
    await expect(ledger.trySpend({ ...KEY, partnerId: '', epsilon: 1 })).rejects.toThrow(/partnerId/);
  });

  it('refuses a spend larger than the whole limit without opening the window', async () => {
    const ledger = await replica();
    expect(await ledger.trySpend({ ...KEY, epsilon: 10.5 })).toMatchObject({
      spent: false,
      status: { epsilonSpent: 0 },
    });
    const rows = await pools[0]!.pool.query('SELECT * FROM privacy_budget');
    expect(rows.rowCount).toBe(0);
    expect((await ledger.trySpend({ ...KEY, epsilon: 10 })).spent).toBe(true);
  });

  it('100 concurrent spends on three replicas against a budget for 10 succeed exactly 10 times', async () => {
    const replicas = await Promise.all([replica(), replica(), replica()]);
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, index) => replicas[index % 3]!.trySpend({ ...KEY, epsilon: 1 })),
    );
    expect(outcomes.filter((outcome) => outcome.spent)).toHaveLength(10);
    // Every answer reports the budget as its own statement left it: the ten spends saw 1..10.
    expect(
      outcomes
        .filter((outcome) => outcome.spent)
        .map((outcome) => outcome.status.epsilonSpent)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 10 }, (_, index) => index + 1));
    expect(await replicas[2]!.preview(KEY)).toMatchObject({ epsilonSpent: 10, epsilonRemaining: 0 });
    const [row] = (await pools[0]!.pool.query<{ spends: number }>('SELECT spends FROM privacy_budget')).rows;
    expect(row?.spends).toBe(10);
  });

  describe('separate processes', () => {
    let dir: string;
    beforeEach(() => {
      dir = createTempDir('budget-processes');
    });
    afterEach(() => removeTempDir(dir));

    it('three processes racing 50 spends each succeed exactly 10 times in total', async () => {
      const worker = fileURLToPath(new URL('./fixtures/spend-worker.ts', import.meta.url));
      const goFile = join(dir, 'go');
      const children = [0, 1, 2].map(() => {
        const child = spawn(process.execPath, ['--import', 'tsx', worker, database.url, goFile, '50'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const output = { stdout: '', stderr: '', exitCode: null as number | null };
        child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
        child.on('exit', (code) => (output.exitCode = code));
        return output;
      });
      await waitFor(() => children.every((child) => child.stdout.includes('ready')), { timeout: 30_000 });
      writeFileSync(goFile, 'go');
      await waitFor(() => children.every((child) => child.exitCode !== null), { timeout: 30_000 });
      for (const child of children) expect(child.exitCode, child.stderr).toBe(0);
      const spent = children.map(
        (child) => (JSON.parse(child.stdout.split('\n')[1] ?? '') as { spent: number }).spent,
      );
      expect(spent.reduce((sum, count) => sum + count, 0)).toBe(10);
      expect(await (await replica()).preview(KEY)).toMatchObject({ epsilonSpent: 10, epsilonRemaining: 0 });
    });
  });
});
