/**
 * What every budget ledger (SQLite in the embedded default, PostgreSQL across gateway replicas) shares: which row a
 * budget is, its window, its limit in integer millionths, a spend request checked before any write, and the
 * status a caller sees.
 */
import { budgetWindowBounds } from './budget-window.ts';
import type { BudgetWindow } from './budget-window.ts';
import { BudgetExhaustedError, InvalidPrivacyParameterError } from './errors.ts';
import { epsilonToMicro, microToEpsilon } from './rational.ts';

/** Which budget: a partner, under one contract version, in one kind of window, with its limit. */
export interface BudgetKey {
  partnerId: string;
  /** The contract version the budget belongs to (a new contract version starts a fresh budget). */
  contractVersion?: string;
  window: BudgetWindow;
  /** The epsilon allowed per window (the decision's `obligations.budget.epsilonLimit`). */
  epsilonLimit: number;
  /** When; picks the calendar window. Defaults to now. */
  at?: Date;
}

/** A budget as it stands (mirrors the GraphQL `BudgetStatus`). Epsilons are exact to 10^-6. */
export interface BudgetStatus {
  partnerId: string;
  contractVersion: string;
  window: BudgetWindow;
  windowStart: string;
  windowEnd: string;
  epsilonLimit: number;
  epsilonSpent: number;
  epsilonRemaining: number;
}

/** The outcome of a spend: whether the epsilon was spent, and the budget after. */
export type SpendResult = { spent: true; status: BudgetStatus } | { spent: false; status: BudgetStatus };

/** A budget row's key: partner, contract version, window kind and window start (ISO-8601). */
export type KeyValues = readonly [
  partnerId: string,
  contractVersion: string,
  window: string,
  windowStart: string,
];

/** A budget key resolved to its row, its limit in millionths, and how to report a spent amount. */
export interface ResolvedBudget {
  limitMicro: number;
  at: Date;
  keyValues: KeyValues;
  status(spentMicro: number): BudgetStatus;
}

/** Resolve `key` (throws `InvalidPrivacyParameterError` on an empty partner). */
export function resolveBudgetKey(key: BudgetKey): ResolvedBudget {
  if (key.partnerId.length === 0) throw new InvalidPrivacyParameterError('partnerId', 'must not be empty');
  const limitMicro = epsilonToMicro(key.epsilonLimit);
  const at = key.at ?? new Date();
  const { start, end } = budgetWindowBounds(key.window, at);
  const contractVersion = key.contractVersion ?? '';
  const keyValues = [key.partnerId, contractVersion, key.window, start.toISOString()] as const;
  const status = (spentMicro: number): BudgetStatus => ({
    partnerId: key.partnerId,
    contractVersion,
    window: key.window,
    windowStart: start.toISOString(),
    windowEnd: end.toISOString(),
    epsilonLimit: microToEpsilon(limitMicro),
    epsilonSpent: microToEpsilon(spentMicro),
    epsilonRemaining: microToEpsilon(Math.max(0, limitMicro - spentMicro)),
  });
  return { limitMicro, at, keyValues, status };
}

/** A spend request, checked before any write. */
export type ResolvedSpend = ResolvedBudget & { epsilonMicro: number };

/** Check a spend request before any write (throws on a bad one) and resolve it. */
export function resolveSpendRequest(request: BudgetKey & { epsilon: number }): ResolvedSpend {
  const resolved = resolveBudgetKey(request);
  const epsilonMicro = epsilonToMicro(request.epsilon);
  if (epsilonMicro <= 0) throw new InvalidPrivacyParameterError('epsilon', 'must be at least 0.000001');
  return { ...resolved, epsilonMicro };
}

/** The error of a refused spend of `epsilon` against a budget that stands at `status`. */
export function exhaustedError(status: BudgetStatus, epsilon: number): BudgetExhaustedError {
  return new BudgetExhaustedError({
    partnerId: status.partnerId,
    contractVersion: status.contractVersion,
    window: status.window,
    windowStart: status.windowStart,
    epsilonLimit: status.epsilonLimit,
    epsilonSpent: status.epsilonSpent,
    epsilonRequested: microToEpsilon(epsilonToMicro(epsilon)),
  });
}
