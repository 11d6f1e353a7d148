/**
 * Figures the reliability suite measured (recovery times, lag, RSS, throughput ratios): printed as one JSON line
 * each and appended to `$CLEANROOM_RELIABILITY_FIGURES` (default `<tmp>/cleanroom-reliability-figures.jsonl`),
 * the source of docs/reliability.md's tables.
 */
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where figures are appended. */
export const FIGURES_FILE =
  process.env.CLEANROOM_RELIABILITY_FIGURES ?? join(tmpdir(), 'cleanroom-reliability-figures.jsonl');

/** Print and keep one test's figures. */
export function recordFigure(test: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ test, at: new Date().toISOString(), ...figures });
  console.log(`reliability figure: ${line}`);
  appendFileSync(FIGURES_FILE, `${line}\n`);
}
