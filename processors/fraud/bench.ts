/**
 * Throughput of the detector alone, for the benchmark harness: feeds clean events to a fresh in-memory
 * detector and times it. (The whole processor over a log: produce events to `cleanroom.events`, start
 * `createFraudProcessor`, poll `caughtUp()`.)
 */
import type { CleanEvent } from '../../schema/index.ts';
import type { FraudConfigInput } from './config.ts';
import { createFraudDetector } from './detector.ts';

/** What one measured run did. */
export interface FraudBenchResult {
  events: number;
  adEvents: number;
  verdicts: number;
  signals: number;
  elapsedMs: number;
  eventsPerSecond: number;
}

/**
 * Runs the detector over `events` in order (including the state-change tracking a store would drain once
 * per batch of `batchSize`) and reports its rate.
 *
 * @example const { eventsPerSecond } = measureFraudDetector(cleanEvents);
 */
export function measureFraudDetector(
  events: Iterable<CleanEvent>,
  config?: FraudConfigInput,
  batchSize = 500,
): FraudBenchResult {
  const detector = createFraudDetector(config === undefined ? {} : { config });
  const result: FraudBenchResult = {
    events: 0,
    adEvents: 0,
    verdicts: 0,
    signals: 0,
    elapsedMs: 0,
    eventsPerSecond: 0,
  };
  const started = performance.now();
  for (const event of events) {
    const out = detector.observe(event);
    result.events += 1;
    if (event.type === 'impression' || event.type === 'click') result.adEvents += 1;
    result.verdicts += out.verdicts.length;
    result.signals += out.signals.length;
    if (result.events % batchSize === 0) detector.drainChanges();
  }
  detector.drainChanges();
  result.elapsedMs = performance.now() - started;
  result.eventsPerSecond = result.elapsedMs > 0 ? (result.events / result.elapsedMs) * 1000 : 0;
  return result;
}
