/** The bench's result rows: ratios and targets come from the measured numbers; reports render every row. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderMarkdown, writeResults, describeMachine } from '../../../../bench/report.ts';
import { percentile, repeat, summarize } from '../../../../bench/stats.ts';
import { figure, notMeasured } from '../../../../bench/suites/support/figures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bench statistics', () => {
  it('takes nearest-rank percentiles and summarizes spread', async () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([...Array.from({ length: 100 }, (_, i) => i + 1)], 99)).toBe(99);
    expect(percentile([], 50)).toBeNaN();
    const summary = summarize([10, 20, 30]);
    expect(summary).toMatchObject({ median: 20, min: 10, max: 30, relativeSpread: 1 });
    const repeated = await repeat(3, async (rep) => rep * 2);
    expect(repeated.samples).toEqual([0, 2, 4]);
  });
});

describe('bench figures', () => {
  it('judges a ratio target against the baseline measured beside it', () => {
    const met = figure('s', 'f', 'events/s', summarize([30]), {
      baseline: { name: 'null', value: summarize([100]) },
      target: { text: '>= 25%', on: 'ratio', atLeast: 0.25 },
    });
    expect(met.ratio).toBeCloseTo(0.3);
    expect(met.target?.met).toBe(true);
    const missed = figure('s', 'f', 'events/s', summarize([20]), {
      baseline: { name: 'null', value: summarize([100]) },
      target: { text: '>= 25%', on: 'ratio', atLeast: 0.25 },
    });
    expect(missed.target?.met).toBe(false);
  });

  it('judges a value target, and a not-measured row never meets its target', () => {
    expect(
      figure('s', 'p99', 'ms', summarize([16]), { target: { text: '< 15', atMost: 15 } }).target?.met,
    ).toBe(false);
    expect(
      figure('s', 'p99', 'ms', summarize([9]), { target: { text: '< 15', atMost: 15 } }).target?.met,
    ).toBe(true);
    const missing = notMeasured('s', 'f', 'ms', 'no broker', '< 150 ms');
    expect(missing.note).toBe('not measured: no broker');
    expect(missing.target?.met).toBe(false);
    expect(missing.value.median).toBeNaN();
  });

  it('writes the JSON, the markdown table with met / not met and a chart', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
    dirs.push(dir);
    const figures = [
      figure('queries', 'segmentSize p99 at 500', 'ms', summarize([20, 22]), {
        target: { text: '< 15 ms', atMost: 15 },
      }),
      notMeasured('pipeline-kafka', 'ingest + 4 processors', 'events/s', 'no Kafka broker in this run'),
    ];
    const series = [
      { series: 'throughput:segmentSize', x: 100, y: 99 },
      { series: 'throughput:segmentSize', x: 500, y: 480 },
    ];
    const written = writeResults(dir, figures, series, true, new Date('2026-11-30T00:00:00Z'));
    expect(written.map((file) => path.basename(file))).toEqual([
      '2026-11-30-quick.json',
      'latest-quick.md',
      'quick-throughput.svg',
    ]);
    const markdown = fs.readFileSync(path.join(dir, 'latest-quick.md'), 'utf8');
    expect(markdown).toContain('**not met**');
    expect(markdown).toContain('not measured: no Kafka broker in this run');
    expect(renderMarkdown(figures, describeMachine(), false, new Date())).toContain('| queries |');
    expect(fs.readFileSync(path.join(dir, 'quick-throughput.svg'), 'utf8')).toContain('<svg');
  });
});
