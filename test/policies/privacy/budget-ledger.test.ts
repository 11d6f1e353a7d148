import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BudgetExhaustedError, createBudgetLedger } from '../../../policies/privacy/index.ts';
import type { BudgetKey, BudgetLedger } from '../../../policies/privacy/index.ts';
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

describe('createBudgetLedger', () => {
  let dir: string;
  let dbPath: string;
  const open: BudgetLedger[] = [];
  const openLedger = (): BudgetLedger => {
    const ledger = createBudgetLedger(dbPath);
    open.push(ledger);
    return ledger;
  };

  beforeEach(() => {
    dir = createTempDir('budget');
    dbPath = join(dir, 'budgets.db');
  });
  afterEach(() => {
    for (const ledger of open.splice(0)) ledger.close();
    removeTempDir(dir);
  });

  it('previews an untouched budget as fully remaining', () => {
    expect(openLedger().preview(KEY)).toEqual({
      partnerId: 'fresh-oats',
      contractVersion: 'sha256:v1',
      window: 'day',
      windowStart: '2026-03-10T00:00:00.000Z',
      windowEnd: '2026-03-11T00:00:00.000Z',
      epsilonLimit: 10,
      epsilonSpent: 0,
      epsilonRemaining: 10,
    });
  });

  it('spends until the limit, then refuses with BUDGET_EXHAUSTED and spends nothing more', () => {
    const ledger = openLedger();
    expect(ledger.trySpend({ ...KEY, epsilon: 4 })).toMatchObject({
      spent: true,
      status: { epsilonSpent: 4 },
    });
    expect(ledger.spend({ ...KEY, epsilon: 6 }).epsilonRemaining).toBe(0);
    expect(ledger.trySpend({ ...KEY, epsilon: 0.000001 })).toMatchObject({
      spent: false,
      status: { epsilonSpent: 10 },
    });
    let caught: unknown;
    try {
      ledger.spend({ ...KEY, epsilon: 1 });
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BudgetExhaustedError);
    expect((caught as BudgetExhaustedError).code).toBe('BUDGET_EXHAUSTED');
    expect((caught as BudgetExhaustedError).context).toMatchObject({ epsilonSpent: 10, epsilonRequested: 1 });
    expect(ledger.preview(KEY).epsilonSpent).toBe(10);
  });

  it('counts in micro-epsilon: ten spends of 0.1 use a budget of 1 exactly', () => {
    const ledger = openLedger();
    const key = { ...KEY, epsilonLimit: 1 };
    for (let spend = 0; spend < 10; spend += 1)
      expect(ledger.trySpend({ ...key, epsilon: 0.1 }).spent).toBe(true);
    expect(ledger.preview(key)).toMatchObject({ epsilonSpent: 1, epsilonRemaining: 0 });
    expect(ledger.trySpend({ ...key, epsilon: 0.000001 }).spent).toBe(false);
  });

  it('starts a fresh budget in the next window and for a new contract version, and keeps partners apart', () => {
    const ledger = openLedger();
    ledger.spend({ ...KEY, epsilon: 10 });
    expect(ledger.trySpend({ ...KEY, epsilon: 1, at: new Date('2026-03-11T00:00:00Z') }).spent).toBe(true);
    expect(ledger.trySpend({ ...KEY, contractVersion: 'sha256:v2', epsilon: 1 }).spent).toBe(true);
    expect(ledger.trySpend({ ...KEY, partnerId: 'sparkle-soda', epsilon: 1 }).spent).toBe(true);
    expect(ledger.trySpend({ ...KEY, epsilon: 1, at: new Date('2026-03-10T23:59:59Z') }).spent).toBe(false);
  });

  it('keeps what was spent across a reopen of the file', () => {
    openLedger().spend({ ...KEY, epsilon: 3 });
    expect(openLedger().preview(KEY).epsilonSpent).toBe(3);
  });

  it('refuses a zero epsilon', () => {
    expect(() => openLedger().trySpend({ ...KEY, epsilon: 0 })).toThrow(/epsilon/);
  });

  it('100 concurrent spends against a budget for 10 succeed exactly 10 times (two ledgers, one file)', async () => {
    const ledgers = [openLedger(), openLedger()];
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, async (_, index) => {
        await Promise.resolve();
        return (ledgers[index % 2] as BudgetLedger).trySpend({ ...KEY, epsilon: 1 }).spent;
      }),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(10);
    expect(openLedger().preview(KEY)).toMatchObject({ epsilonSpent: 10, epsilonRemaining: 0 });
  });

  it('grouped spends of one turn commit together, in the order asked, and stop exactly at the limit', async () => {
    const ledger = openLedger();
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () => ledger.trySpendGrouped({ ...KEY, epsilon: 1 })),
    );
    expect(outcomes.map((outcome) => outcome.spent)).toEqual([
      ...Array.from({ length: 10 }, () => true),
      ...Array.from({ length: 20 }, () => false),
    ]);
    // Each result carries the budget as its own spend left it.
    expect(outcomes.slice(0, 10).map((outcome) => outcome.status.epsilonSpent)).toEqual(
      Array.from({ length: 10 }, (_, index) => index + 1),
    );
    // Durable once resolved: another ledger on the file sees it.
    expect(openLedger().preview(KEY)).toMatchObject({ epsilonSpent: 10, epsilonRemaining: 0 });
  });

  it('a bad grouped spend fails alone; the rest of its turn is spent', async () => {
    const ledger = openLedger();
    const settled = await Promise.allSettled([
      ledger.trySpendGrouped({ ...KEY, epsilon: 2 }),
      ledger.trySpendGrouped({ ...KEY, epsilon: 0 }),
      ledger.trySpendGrouped({ ...KEY, partnerId: '', epsilon: 1 }),
      ledger.trySpendGrouped({ ...KEY, epsilon: 3 }),
    ]);
    expect(settled.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(openLedger().preview(KEY).epsilonSpent).toBe(5);
  });

  it('100 concurrent grouped spends on two ledgers of one file succeed exactly 10 times', async () => {
    const ledgers = [openLedger(), openLedger()];
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        (ledgers[index % 2] as BudgetLedger).trySpendGrouped({ ...KEY, epsilon: 1 }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.spent)).toHaveLength(10);
    expect(openLedger().preview(KEY)).toMatchObject({ epsilonSpent: 10, epsilonRemaining: 0 });
  });

  it.each([['one by one'], ['grouped']])(
    'two processes racing 50 spends each (%s) on one file succeed exactly 10 times in total',
    async (mode) => {
      const worker = fileURLToPath(new URL('./fixtures/spend-worker.ts', import.meta.url));
      const goFile = join(dir, 'go');
      const extra = mode === 'grouped' ? ['grouped'] : [];
      const children = [0, 1].map(() => {
        const child = spawn(process.execPath, ['--import', 'tsx', worker, dbPath, goFile, '50', ...extra], {
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
      expect(openLedger().preview(KEY)).toMatchObject({ epsilonSpent: 10, epsilonRemaining: 0 });
    },
  );
});
