/** What a benchmark suite reports. */
import type { Summary } from './stats.ts';

/** How a figure is judged against its DESIGN.md section 10 target. */
export interface Target {
  /** Human text of the target, e.g. ">= 25% of the null pipeline". */
  text: string;
  met: boolean;
}

/** One row of the results table. */
export interface Figure {
  suite: string;
  name: string;
  unit: string;
  value: Summary;
  /** The baseline measured in the same run, when the figure is a ratio against it. */
  baseline?: { name: string; value: Summary };
  /** value.median / baseline.median */
  ratio?: number;
  target?: Target;
  note?: string;
}

/** A point of a throughput/latency-against-load series, drawn in the chart. */
export interface SeriesPoint {
  series: string;
  x: number;
  y: number;
}

/** Options every suite receives. */
export interface SuiteContext {
  quick: boolean;
  repetitions: number;
  /** Brokers of the Kafka broker the bench started, when Kafka is available. */
  kafkaBrokers?: string;
  progress: (message: string) => void;
  workDir: string;
}

/** A benchmark suite. */
export interface Suite {
  name: string;
  run(context: SuiteContext): Promise<{ figures: Figure[]; series?: SeriesPoint[] }>;
}
