/**
 * The cheap suites run end to end in quick mode (real files, real SQLite): every figure is measured, has its
 * baseline from the same run and a finite ratio, so the harness cannot rot unnoticed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditSuite } from '../../../bench/suites/audit-suite.ts';
import { simulatorSuite } from '../../../bench/suites/simulator-suite.ts';
import type { SuiteContext } from '../../../bench/types.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function quickContext(): SuiteContext {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-suite-'));
  dirs.push(workDir);
  return { quick: true, repetitions: 2, progress: () => {}, workDir };
}

describe.each([simulatorSuite, auditSuite])('the $name suite in quick mode', (suite) => {
  it('measures every figure against a baseline of the same run', async () => {
    const { figures } = await suite.run(quickContext());
    expect(figures.length).toBeGreaterThan(0);
    for (const row of figures) {
      expect(row.suite).toBe(suite.name);
      expect(row.note ?? '').not.toContain('not measured');
      expect(Number.isFinite(row.value.median) && row.value.median > 0).toBe(true);
      expect(row.baseline?.value.median).toBeGreaterThan(0);
      expect(Number.isFinite(row.ratio)).toBe(true);
    }
  });
});
