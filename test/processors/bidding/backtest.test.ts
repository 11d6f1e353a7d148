/**
 * The bidding backtest on a simulated day (the bench runs a week, `bench/suites/bidding`): an ad server that bids by
 * the stage's multipliers, fed back hour by hour from the real ingest, fraud, inventory and bidding stages, wastes
 * far less on invalid traffic and overspends its daily budgets far less than the same ad server bidding flat, on the
 * simulator's ground truth. Return on ad spend is the bench's figure, not asserted here: over one day of 1,000
 * shoppers the revenue the ads caused is a handful of purchases (one television moves it by a third), and the closed
 * loop is not replay-exact (see bid-backtest.ts), so two runs of a day differ more than the effect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { runBidBacktest } from '../../support/bid-backtest.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

describe('the bidding backtest on ground truth', () => {
  it('cuts invalid-traffic spend and over-budget spend over a simulated day', async () => {
    const dir = createTempDir('bid-backtest');
    dirs.push(dir);
    const result = await runBidBacktest({ dir, shoppers: 1_000, simulatedHours: 24 });
    console.info(
      JSON.stringify({ without: result.without, with: result.with, bidRecords: result.bidRecords }),
    );
    expect(result.bidRecords).toBeGreaterThan(100);
    expect(result.without.spend).toBeGreaterThan(0);
    expect(result.with.invalidSpend).toBeLessThan(0.5 * result.without.invalidSpend);
    expect(result.with.wastedSpend).toBeLessThan(result.without.wastedSpend);
    expect(result.with.overBudgetSpend).toBeLessThan(result.without.overBudgetSpend);
    // Multipliers move both ways: some placement is bid down, and bidding is not simply switched off.
    const multipliers = Object.values(result.finalMultipliers);
    expect(multipliers.some((multiplier) => multiplier < 1)).toBe(true);
    expect(result.with.impressions).toBeGreaterThan(0.1 * result.without.impressions);
  }, 300_000);
});
