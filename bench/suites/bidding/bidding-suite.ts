/**
 * The bidding backtest (test/support/bid-backtest.ts): a simulated week served by an ad server that bids
 * by the bidding stage's multipliers (fed back hour by hour through the real pipeline), against the same week served
 * with every multiplier at 1, judged on the simulator's ground truth: return on ad spend (revenue the ads caused /
 * spend) and wasted spend (on planted invalid traffic, and on impressions for products out of stock in the viewer's
 * region). One run of each (a week takes minutes); the world is seeded but the closed loop is not replay-exact (see
 * the backtest's comment), so two runs' figures differ somewhat.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runBidBacktest } from '../../../test/support/bid-backtest.ts';
import type { BacktestRun } from '../../../test/support/bid-backtest.ts';
import { summarize } from '../../stats.ts';
import type { Figure, Suite } from '../../types.ts';
import { figure } from '../support/figures.ts';

const SUITE = 'bidding';

export const biddingSuite: Suite = {
  name: SUITE,
  async run(context) {
    const shoppers = context.quick ? 1_000 : 2_000;
    const hours = context.quick ? 24 : 24 * 7;
    const dir = fs.mkdtempSync(path.join(context.workDir, 'bidding-'));
    const result = await runBidBacktest({ dir, shoppers, simulatedHours: hours, progress: context.progress });
    fs.rmSync(dir, { recursive: true, force: true });
    const world = `${hours / 24} simulated day${hours === 24 ? '' : 's'}, ${shoppers} shoppers`;
    const row = (
      name: string,
      unit: string,
      pick: (run: BacktestRun) => number,
      target?: { text: string; atLeast?: number; atMost?: number },
      note?: string,
    ): Figure =>
      figure(SUITE, `${name} with multipliers (${world})`, unit, summarize([pick(result.with)]), {
        baseline: { name: `${name} without multipliers`, value: summarize([pick(result.without)]) },
        ...(target === undefined ? {} : { target: { ...target, on: 'ratio' as const } }),
        ...(note === undefined ? {} : { note }),
      });
    return {
      figures: [
        row('return on ad spend', 'revenue/spend', (run) => run.roas, {
          text: 'higher than without multipliers',
          atLeast: 1,
        }),
        row(
          'wasted spend',
          'currency',
          (run) => run.wastedSpend,
          { text: 'lower than without multipliers', atMost: 1 },
          'invalid traffic plus impressions for products out of stock in the viewer region',
        ),
        row('invalid-traffic spend', 'currency', (run) => run.invalidSpend),
        row('out-of-stock spend', 'currency', (run) => run.outOfStockSpend),
        row('spend', 'currency', (run) => run.spend),
        row('revenue caused by ads', 'currency', (run) => run.causedRevenue),
        row('impressions to real shoppers', 'impressions', (run) => run.validImpressions),
        row('spend over daily budgets', 'currency', (run) => run.overBudgetSpend),
      ],
    };
  },
};
