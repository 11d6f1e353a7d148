/**
 * `npm run bench [-- --quick] [-- --only suite,suite]`: measures the figures of DESIGN.md section 10, each
 * against a baseline measured in the same run, and writes `bench/results/`.
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
}

function parseOptions(argv: string[]): BenchOptions {
  const onlyIndex = argv.indexOf('--only');
  const onlyValue = onlyIndex >= 0 ? argv[onlyIndex + 1] : undefined;
  return {
    quick: argv.includes('--quick'),
    only: onlyValue ? onlyValue.split(',') : null,
    kafka: !argv.includes('--no-kafka'),
  };
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
    if (options.kafka) {
      const broker = await import('../scripts/kafka/broker-control.mjs').catch(() => undefined);
      if (broker) {
        progress('starting a Kafka broker for the Kafka figures');
        const handle = await broker.startBroker({ port: 0, dir: path.join(workDir, 'kafka') });
        kafkaBrokers = handle.brokers;
        stopBroker = async () => broker.stopBroker(handle);
        progress(`Kafka broker on ${kafkaBrokers}`);
      } else {
        progress('Kafka broker scripts not available: Kafka figures are not measured');
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
    const selected = SUITES.filter((suite) => options.only === null || options.only.includes(suite.name));
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
        progress(`  ${figure.name}: ${figure.value.median.toFixed(2)} ${figure.unit}${ratio}${met}`);
      }
    }
    const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
    const written = writeResults(resultsDir, figures, series, options.quick, new Date());
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
