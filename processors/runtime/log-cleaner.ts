/**
 * The log cleaner: applies each topic's retention and compaction ({@link TopicCleanup}) on a timer, through the
 * log's `clean`. Inert on a log without it (Kafka: the broker's topic configuration does this there).
 */
import type { Log, TopicCleanup, TopicCleanupReport } from './log.ts';

/** Options of {@link createLogCleaner}. */
export interface LogCleanerOptions {
  log: Log;
  /** The topics to clean, each with its policy; topics not named are kept whole. */
  topics: ReadonlyMap<string, TopicCleanup>;
  /** How often to clean (default 60 s). */
  intervalMs?: number;
  /** Told after each pass that deleted or compacted anything (counts only, never a record). */
  onCleaned?: (reports: TopicCleanupReport[]) => void;
  onError?: (error: unknown) => void;
}

/** A running cleaner. */
export interface LogCleaner {
  start(): void;
  stop(): Promise<void>;
  /** One pass over every topic now (what the timer does). */
  clean(): Promise<TopicCleanupReport[]>;
}

/**
 * Create the cleaner.
 *
 * @example
 * const cleaner = createLogCleaner({ log, topics: new Map([['cleanroom.events', { retentionMs: 6 * 3_600_000 }]]) });
 * cleaner.start();
 */
export function createLogCleaner(options: LogCleanerOptions): LogCleaner {
  const { log } = options;
  const intervalMs = options.intervalMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<TopicCleanupReport[]> | undefined;

  const cleanNow = async (): Promise<TopicCleanupReport[]> => {
    const clean = log.clean?.bind(log);
    if (clean === undefined) return [];
    const reports: TopicCleanupReport[] = [];
    for (const [topic, cleanup] of options.topics) reports.push(await clean(topic, cleanup));
    if (reports.some((report) => report.deleted + report.compacted > 0)) options.onCleaned?.(reports);
    return reports;
  };

  const clean = (): Promise<TopicCleanupReport[]> => {
    running ??= cleanNow().finally(() => {
      running = undefined;
    });
    return running;
  };
  const pass = (): void => {
    clean().catch((error: unknown) => options.onError?.(error));
  };

  return {
    start() {
      if (timer !== undefined || log.clean === undefined) return;
      timer = setInterval(pass, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      // A failed pass was told to onError by `pass`; stopping only waits for it.
      await running?.then(
        () => undefined,
        () => undefined,
      );
    },
    clean,
  };
}
