/**
 * Privacy budgets in the cluster's PostgreSQL control plane, shared by every gateway replica. A spend is one
 * statement — insert the window's row, or add to it only if the sum stays within the limit — so PostgreSQL's row
 * lock serialises concurrent spenders on any replica and no window can go past its limit. It resolves after the
 * commit, which is durable under the server's default `synchronous_commit = on`.
 */
import { and, eq, sql } from 'drizzle-orm';
import { pgPrivacyBudget } from '../../schema/db/index.ts';
import type { OpenedPostgres } from '../../schema/db/index.ts';
import { exhaustedError, resolveBudgetKey, resolveSpendRequest } from './budget-key.ts';
import type { BudgetKey, BudgetStatus, KeyValues, SpendResult } from './budget-key.ts';

/** Per-partner privacy budgets shared across processes and machines. */
export interface SharedBudgetLedger {
  /** Atomically spends `epsilon` if the window's remaining budget covers it; never overspends, on any replica. */
  trySpend(request: BudgetKey & { epsilon: number }): Promise<SpendResult>;
  /** Like {@link trySpend} but rejects with `BudgetExhaustedError` when the budget does not cover it. */
  spend(request: BudgetKey & { epsilon: number }): Promise<BudgetStatus>;
  /** What remains in the current window, without spending. */
  preview(key: BudgetKey): Promise<BudgetStatus>;
}

/**
 * The budget ledger on an open control plane (`openPostgres(url, 'control-plane')`); the caller closes the pool.
 *
 * @example
 * const controlPlane = await openPostgres(process.env.CLEANROOM_DATABASE_URL!, 'control-plane');
 * const ledger = createSharedBudgetLedger(controlPlane);
 * const { spent } = await ledger.trySpend({ partnerId: 'fresh-oats', window: 'day', epsilonLimit: 10, epsilon: 0.5 });
 */
export function createSharedBudgetLedger(database: OpenedPostgres): SharedBudgetLedger {
  const { db } = database;
  const t = pgPrivacyBudget;
  const keyClause = ([partnerId, contractVersion, window, windowStart]: KeyValues) =>
    and(
      eq(t.partnerId, partnerId),
      eq(t.contractVersion, contractVersion),
      eq(t.budgetWindow, window),
      eq(t.windowStart, windowStart),
    );
  const readSpent = async (keyValues: KeyValues): Promise<number> => {
    const [row] = await db.select({ spent: t.epsilonSpentMicro }).from(t).where(keyClause(keyValues));
    return row?.spent ?? 0;
  };

  const ledger: SharedBudgetLedger = {
    async trySpend(request) {
      const { keyValues, limitMicro, epsilonMicro, at, status } = resolveSpendRequest(request);
      // A spend larger than the whole limit can never be covered; it must not create the row with it either.
      if (epsilonMicro > limitMicro) return { spent: false, status: status(await readSpent(keyValues)) };
      const [partnerId, contractVersion, budgetWindow, windowStart] = keyValues;
      const updatedAt = at.toISOString();
      const added = sql`${t.epsilonSpentMicro} + excluded.epsilon_spent_micro`;
      const rows = await db
        .insert(t)
        .values({
          partnerId,
          contractVersion,
          budgetWindow,
          windowStart,
          epsilonSpentMicro: epsilonMicro,
          spends: 1,
          updatedAt,
        })
        .onConflictDoUpdate({
          target: [t.partnerId, t.contractVersion, t.budgetWindow, t.windowStart],
          set: { epsilonSpentMicro: added, spends: sql`${t.spends} + 1`, updatedAt },
          setWhere: sql`${added} <= ${limitMicro}`,
        })
        .returning({ spent: t.epsilonSpentMicro });
      const after = rows[0];
      if (after !== undefined) return { spent: true, status: status(after.spent) };
      return { spent: false, status: status(await readSpent(keyValues)) };
    },
    async spend(request) {
      const result = await ledger.trySpend(request);
      if (result.spent) return result.status;
      throw exhaustedError(result.status, request.epsilon);
    },
    async preview(key) {
      const { keyValues, status } = resolveBudgetKey(key);
      return status(await readSpent(keyValues));
    },
  };
  return ledger;
}
