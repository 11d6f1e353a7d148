/**
 * `npm run bench [-- --quick] [-- --only suite,suite] [-- --no-kafka] [-- --results DIR]`: measures the figures of DESIGN.md
 * section 10, each against a baseline measured in the same run, and writes `bench/results/`. `--only` re-measures
 * the named suites and keeps the other suites' rows of the same day's results.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults } from './report.ts';
import { SUITES } from './suites/index.ts';
import type { Figure, SeriesPoint, SuiteContext } from './types.ts';

interface BenchOptions {
  quick: boolean;
  only: string[] | null;
  kafka: boolean;
  /** Where results go (default `bench/results`); the test of the quick run writes to a temp folder. */
  resultsDir: string | null;
}

/** Suites with figures on Kafka: the broker is started only when one of them runs. */
const KAFKA_SUITES = new Set(['pipeline-kafka', 'subscriptions']);

function valueOf(argv: string[], flag: string): string | null {
  const index = argv.indexOf(flag);
  return index >= 0 ? (argv[index + 1] ?? null) : null;
}

function parseOptions(argv: string[]): BenchOptions {
  const onlyIndex = argv.indexOf('--only');
  const onlyValue = onlyIndex >= 0 ? argv[onlyIndex + 1] : undefined;
  return {
    quick: argv.includes('--quick'),
    only: onlyValue ? onlyValue.split(',') : null,
    kafka: !argv.includes('--no-kafka'),
    resultsDir: valueOf(argv, '--results'),
  };
}

/** Figures and series of the results file `writeResults` wrote for the same day and mode, if any. */
function readSameDayResults(
  resultsDir: string,
  at: Date,
  quick: boolean,
): { figures: Figure[]; series: SeriesPoint[] } {
  const file = path.join(resultsDir, `${at.toISOString().slice(0, 10)}${quick ? '-quick' : ''}.json`);
  if (!fs.existsSync(file)) return { figures: [], series: [] };
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { figures?: Figure[]; series?: SeriesPoint[] };
  return { figures: stored.figures ?? [], series: stored.series ?? [] };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const progress = (message: string): void => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    process.stderr.write(`[bench ${elapsed}s] ${message}\n`);
  };
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanroom-bench-'));
  let stopBroker: (() => Promise<void>) | undefined;
  let kafkaBrokers: string | undefined;
  try {
    const selected = SUITES.filter((suite) => options.only === null || options.only.includes(suite.name));
    if (options.kafka && selected.some((suite) => KAFKA_SUITES.has(suite.name))) {
      const broker = await import('../scripts/kafka/broker-control.mjs').catch((error: unknown) => {
        process.stderr.write(
          `bench: no local Kafka broker control (${String(error)}); the Kafka suites are skipped\n`,
        );
        return undefined;
      });
      const unavailable = broker ? broker.brokerUnavailableReason() : 'the broker scripts are missing';
      if (broker && unavailable === undefined) {
        progress('starting a Kafka broker for the Kafka figures');
        const dir = path.join(workDir, 'kafka');
        // startBroker needs a concrete port; stopWithParent kills the broker if the bench dies.
        const handle = await broker.startBroker({
          port: await broker.freePort(),
          dir,
          stopWithParent: process.pid,
        });
        kafkaBrokers = handle.brokers;
        stopBroker = async () => {
          await broker.stopBroker({ dir, graceMs: 5_000 });
        };
        progress(
          `Kafka broker ${handle.version} on ${kafkaBrokers} (started in ${(handle.startedInMs / 1000).toFixed(1)} s)`,
        );
      } else {
        progress(`no Kafka broker (${unavailable}): Kafka figures are not measured`);
      }
    }
    const context: SuiteContext = {
      quick: options.quick,
      repetitions: options.quick ? 2 : 3,
      kafkaBrokers,
      progress,
      workDir,
    };
    const figures: Figure[] = [];
    const series: SeriesPoint[] = [];
    for (const [index, suite] of selected.entries()) {
      progress(`suite ${index + 1}/${selected.length}: ${suite.name}`);
      const result = await suite.run(context);
      figures.push(...result.figures);
      series.push(...(result.series ?? []));
      for (const figure of result.figures) {
        const ratio =
          figure.ratio === undefined
            ? ''
            : ` (${(figure.ratio * 100).toFixed(1)}% of ${figure.baseline?.name})`;
        const met = figure.target ? (figure.target.met ? ' target met' : ' TARGET NOT MET') : '';
        const value = Number.isFinite(figure.value.median)
          ? `${figure.value.median.toFixed(2)} ${figure.unit}`
          : (figure.note ?? 'not measured');
        progress(`  ${figure.name}: ${value}${ratio}${met}`);
      }
    }
    const resultsDir =
      options.resultsDir ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
    const at = new Date();
    if (options.only !== null) {
      // Re-measuring some suites keeps the other suites' rows of the same day's results.
      const kept = readSameDayResults(resultsDir, at, options.quick);
      const rerun = new Set(selected.map((suite) => suite.name));
      figures.unshift(...kept.figures.filter((figure) => !rerun.has(figure.suite)));
      if (!rerun.has('queries')) series.unshift(...kept.series);
    }
    const written = writeResults(resultsDir, figures, series, options.quick, at);
    progress(`wrote ${written.map((file) => path.relative(process.cwd(), file)).join(', ')}`);
  } finally {
    await stopBroker?.();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
