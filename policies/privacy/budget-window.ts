/** Budget windows are UTC calendar periods: a day from 00:00Z, an ISO week from Monday 00:00Z, a month from the 1st. */
export type BudgetWindow = 'day' | 'week' | 'month';

/** Every budget window, in order from shortest to longest. */
export const BUDGET_WINDOWS: readonly BudgetWindow[] = ['day', 'week', 'month'];

/** The UTC calendar window of kind `window` that contains `at`: [start, end). */
export function budgetWindowBounds(window: BudgetWindow, at: Date): { start: Date; end: Date } {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = at.getUTCDate();
  switch (window) {
    case 'day':
      return { start: new Date(Date.UTC(year, month, day)), end: new Date(Date.UTC(year, month, day + 1)) };
    case 'week': {
      // getUTCDay: Sunday 0 .. Saturday 6; ISO weeks start on Monday.
      const daysSinceMonday = (at.getUTCDay() + 6) % 7;
      return {
        start: new Date(Date.UTC(year, month, day - daysSinceMonday)),
        end: new Date(Date.UTC(year, month, day - daysSinceMonday + 7)),
      };
    }
    case 'month':
      return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
  }
}
