import { and, eq, lte, sql } from 'drizzle-orm';
import { openDatabase, privacyBudget } from '../../schema/db/index.ts';
import { exhaustedError, resolveBudgetKey, resolveSpendRequest } from './budget-key.ts';
import type { BudgetKey, BudgetStatus, KeyValues, SpendResult } from './budget-key.ts';

export type { BudgetKey, BudgetStatus, SpendResult };

/** Per-partner privacy budgets in SQLite, safe to share between processes on one file. */
export interface BudgetLedger {
  /** Atomically spends `epsilon` if the window's remaining budget covers it; never overspends. */
  trySpend(request: BudgetKey & { epsilon: number }): SpendResult;
  /**
   * {@link trySpend} with group commit: the spends asked for in one turn of the event loop share one IMMEDIATE
   * transaction (in the order asked, each still conditional on what the ones before it left), so a burst of
   * requests pays one fsync instead of one each. Resolves once its transaction is durable.
   */
  trySpendGrouped(request: BudgetKey & { epsilon: number }): Promise<SpendResult>;
  /** Like {@link trySpend} but throws {@link BudgetExhaustedError} when the budget does not cover it. */
  spend(request: BudgetKey & { epsilon: number }): BudgetStatus;
  /** What remains in the current window, without spending. */
  preview(key: BudgetKey): BudgetStatus;
  close(): void;
}

/**
 * Opens (creating if needed) the budget ledger at `dbPath`. Epsilon is kept in integer millionths, and a
 * spend is one conditional UPDATE inside an IMMEDIATE transaction, so concurrent spenders — in this
 * process, other ledgers on the same file, or other processes — can never take a window past its limit.
 *
 * @example
 * const ledger = createBudgetLedger('data/budgets.db');
 * const result = ledger.trySpend({ partnerId: 'fresh-oats', window: 'day', epsilonLimit: 10, epsilon: 0.5 });
 */
export function createBudgetLedger(dbPath: string, options: { busyTimeoutMs?: number } = {}): BudgetLedger {
  const { db, sqlite } = openDatabase(dbPath, 'budgets', {
    busyTimeoutMs: options.busyTimeoutMs ?? 10_000,
    // A spend must survive a power cut as the audit entry does: an fsync per commit.
    synchronous: 'FULL',
  });
  const t = privacyBudget;
  const keyClause = ([partnerId, contractVersion, window, windowStart]: KeyValues) =>
    and(
      eq(t.partnerId, partnerId),
      eq(t.contractVersion, contractVersion),
      eq(t.budgetWindow, window),
      eq(t.windowStart, windowStart),
    );
  const insertRow = ([partnerId, contractVersion, budgetWindow, windowStart]: KeyValues, updatedAt: string) =>
    db
      .insert(t)
      .values({ partnerId, contractVersion, budgetWindow, windowStart, updatedAt })
      .onConflictDoNothing()
      .run();
  // One conditional UPDATE: it spends only if the window's remaining budget covers it.
  const spendIfCovered = (
    keyValues: KeyValues,
    epsilonMicro: number,
    limitMicro: number,
    updatedAt: string,
  ) =>
    db
      .update(t)
      .set({
        epsilonSpentMicro: sql`${t.epsilonSpentMicro} + ${epsilonMicro}`,
        spends: sql`${t.spends} + 1`,
        updatedAt,
      })
      .where(and(keyClause(keyValues), lte(sql`${t.epsilonSpentMicro} + ${epsilonMicro}`, limitMicro)))
      .run();
  const readSpent = (keyValues: KeyValues): number =>
    db.select({ spent: t.epsilonSpentMicro }).from(t).where(keyClause(keyValues)).get()?.spent ?? 0;

  const resolve = resolveBudgetKey;

  type SpendRequest = BudgetKey & { epsilon: number };
  /** Checks a request before any write (throws on a bad one) and returns how to apply it. */
  const prepare = resolveSpendRequest;
  const apply = ({
    limitMicro,
    at,
    keyValues,
    status,
    epsilonMicro,
  }: ReturnType<typeof prepare>): SpendResult => {
    insertRow(keyValues, at.toISOString());
    const { changes } = spendIfCovered(keyValues, epsilonMicro, limitMicro, at.toISOString());
    const spentMicro = readSpent(keyValues);
    return { spent: changes === 1, status: status(spentMicro) };
  };
  const spendTransaction = sqlite.transaction((request: SpendRequest): SpendResult =>
    apply(prepare(request)),
  );
  const groupTransaction = sqlite.transaction((prepared: Array<ReturnType<typeof prepare>>) =>
    prepared.map(apply),
  );

  interface Waiting {
    prepared: ReturnType<typeof prepare>;
    resolve: (result: SpendResult) => void;
    reject: (error: unknown) => void;
  }
  let waiting: Waiting[] = [];
  const flush = (): void => {
    const group = waiting;
    waiting = [];
    let results: SpendResult[];
    try {
      results = groupTransaction.immediate(group.map((entry) => entry.prepared));
    } catch (error) {
      // Rolled back as a whole: nothing of the group was spent, and every caller hears why.
      for (const entry of group) entry.reject(error);
      return;
    }
    group.forEach((entry, index) => entry.resolve(results[index]!));
  };

  const ledger: BudgetLedger = {
    trySpend(request) {
      // IMMEDIATE takes the write lock up front, so two ledgers on one file serialise instead of deadlocking.
      return spendTransaction.immediate(request);
    },
    trySpendGrouped(request) {
      return new Promise<SpendResult>((resolvePromise, reject) => {
        // A bad request fails alone, before it could join (and roll back) a group.
        const prepared = prepare(request);
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ prepared, resolve: resolvePromise, reject });
      });
    },
    spend(request) {
      const result = ledger.trySpend(request);
      if (result.spent) return result.status;
      throw exhaustedError(result.status, request.epsilon);
    },
    preview(key) {
      const { keyValues, status } = resolve(key);
      return status(readSpent(keyValues));
    },
    close() {
      sqlite.close();
    },
  };
  return ledger;
}
