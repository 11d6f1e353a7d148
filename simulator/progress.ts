/** Progress of a long run on stderr (events sent, rate, elapsed), at most once a second. */

/** Options of {@link createProgressReporter}. */
export interface ProgressOptions {
  /** Where lines go (default process.stderr). */
  write?: (line: string) => void;
  /** Report at all (the CLI enables it on a TTY or with `--progress`). */
  enabled: boolean;
  /** Milliseconds between lines (default 1000). */
  intervalMs?: number;
}

/** Reports progress; `finish` prints the last line. */
export interface ProgressReporter {
  update(records: number, simulatedAt?: string): void;
  finish(records: number, simulatedAt?: string): void;
}

/** Format one progress line. */
export function formatProgress(records: number, elapsedMs: number, simulatedAt?: string): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(records / seconds) : 0;
  const clock = simulatedAt === undefined ? '' : `, simulated time ${simulatedAt}`;
  return `simulate: ${records.toLocaleString('en-US')} events, ${rate.toLocaleString('en-US')} events/s, ${seconds.toFixed(1)} s elapsed${clock}\n`;
}

/** A reporter that prints at most every `intervalMs`. */
export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const intervalMs = options.intervalMs ?? 1_000;
  const started = performance.now();
  let lastAt = started;
  return {
    update(records, simulatedAt) {
      if (!options.enabled) return;
      const now = performance.now();
      if (now - lastAt < intervalMs) return;
      lastAt = now;
      write(formatProgress(records, now - started, simulatedAt));
    },
    finish(records, simulatedAt) {
      if (!options.enabled) return;
      write(formatProgress(records, performance.now() - started, simulatedAt));
    },
  };
}
