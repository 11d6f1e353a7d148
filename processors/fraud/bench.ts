/**
 * Throughput of the detector alone, for the benchmark harness: feeds clean events to a fresh in-memory
 * detector and times it. (The whole processor over a log: produce events to `cleanroom.events`, start
 * `createFraudProcessor`, poll `caughtUp()`.)
 */
import type { CleanEvent } from '../../schema/index.ts';
import { measureRate } from '../runtime/index.ts';
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
  const counts = { events: 0, adEvents: 0, verdicts: 0, signals: 0 };
  const { elapsedMs, perSecond } = measureRate(() => {
    for (const event of events) {
      const out = detector.observe(event);
      counts.events += 1;
      if (event.type === 'impression' || event.type === 'click') counts.adEvents += 1;
      counts.verdicts += out.verdicts.length;
      counts.signals += out.signals.length;
      if (counts.events % batchSize === 0) detector.drainChanges();
    }
    detector.drainChanges();
    return counts.events;
  });
  return { ...counts, elapsedMs, eventsPerSecond: perSecond };
}
