/** Writes benchmark results: `bench/results/<date>.json`, `latest.md` and charts beside them. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderLineChart } from './chart.ts';
import type { Figure, SeriesPoint } from './types.ts';

/** The machine the figures were measured on. */
export interface MachineDescription {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** Describe this machine (no host names or paths). */
export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

function format(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** Render the figures as a markdown table. */
export function renderMarkdown(
  figures: readonly Figure[],
  machine: MachineDescription,
  quick: boolean,
  at: Date,
): string {
  const lines: string[] = [];
  lines.push(`# Benchmark results${quick ? ' (quick smoke run)' : ''}`);
  lines.push('');
  lines.push(
    `Measured ${at.toISOString()} on ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}.`,
  );
  lines.push(
    'Each figure is the median of its repetitions; spread = (max - min) / median. Baselines were measured in the same run.',
  );
  lines.push('');
  lines.push('| suite | figure | median | unit | spread | baseline | ratio | target | met |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const figure of figures) {
    const baseline = figure.baseline
      ? `${figure.baseline.name}: ${format(figure.baseline.value.median)}`
      : '';
    const ratio = figure.ratio === undefined ? '' : `${(figure.ratio * 100).toFixed(1)}%`;
    const met = figure.target ? (figure.target.met ? 'met' : '**not met**') : '';
    lines.push(
      `| ${figure.suite} | ${figure.name}${figure.note ? ` (${figure.note})` : ''} | ${format(figure.value.median)} | ${figure.unit} | ${(figure.value.relativeSpread * 100).toFixed(1)}% | ${baseline} | ${ratio} | ${figure.target?.text ?? ''} | ${met} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

/** Write the JSON, markdown and chart files; returns the paths written. */
export function writeResults(
  resultsDir: string,
  figures: readonly Figure[],
  series: readonly SeriesPoint[],
  quick: boolean,
  at: Date,
): string[] {
  fs.mkdirSync(resultsDir, { recursive: true });
  const machine = describeMachine();
  const stamp = at.toISOString().slice(0, 10);
  const jsonPath = path.join(resultsDir, `${stamp}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(
    jsonPath,
    `${JSON.stringify({ at: at.toISOString(), quick, machine, figures, series }, null, 2)}\n`,
  );
  const written = [jsonPath];
  const markdownPath = path.join(resultsDir, quick ? 'latest-quick.md' : 'latest.md');
  fs.writeFileSync(markdownPath, renderMarkdown(figures, machine, quick, at));
  written.push(markdownPath);
  const groups = new Map<string, SeriesPoint[]>();
  for (const point of series) {
    const chart = point.series.split(':')[0] ?? 'chart';
    groups.set(chart, [...(groups.get(chart) ?? []), point]);
  }
  for (const [chart, points] of groups) {
    const svgPath = path.join(resultsDir, `${quick ? 'quick-' : ''}${chart}.svg`);
    const relabeled = points.map((p) => ({
      ...p,
      series: p.series.split(':').slice(1).join(':') || p.series,
    }));
    const [xLabel, yLabel] =
      chart === 'latency'
        ? ['offered load (requests/s)', 'p99 latency (ms)']
        : ['offered load (requests/s)', 'achieved requests/s'];
    fs.writeFileSync(svgPath, renderLineChart(chart, xLabel, yLabel, relabeled));
    written.push(svgPath);
  }
  return written;
}
