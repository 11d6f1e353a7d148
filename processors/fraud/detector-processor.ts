/**
 * The detector as a processor for the runtime's host. Its state lives in the task's state store as one row per
 * entry of each of its tables (key `fraud:<table>`) and two meta values (`maxEventTime`, `sincePrune`); the
 * detector works on a copy of it in memory (its rules keep sorted times and per-source lists that would cost too
 * much to read and write per event), which the host loads with the task and saves once per batch
 * (`Processor.memory`).
 */
import { cleanEventSchema } from '../../schema/index.ts';
import type { CleanEvent } from '../../schema/index.ts';
import type { Processor, StateStore } from '../runtime/index.ts';
import type { FraudConfigInput } from './config.ts';
import { createFraudDetector } from './detector.ts';
import type { FraudDetector } from './detector.ts';
import { FraudError } from './errors.ts';
import { FRAUD_STATE_TABLES } from './state.ts';
import type { FraudStateSnapshot } from './state.ts';
import type { FraudTopics } from './topics.ts';

/** Names of the detector's counters (`context.count`), kept with its state. */
export const DETECTOR_COUNTS = { adEvent: 'adEvent', verdict: 'verdict', signal: 'signal' } as const;

const rowKey = (table: string): string => `fraud:${table}`;

function loadDetector(store: StateStore, config: FraudConfigInput | undefined): FraudDetector {
  const snapshot: Record<string, unknown> = {
    maxEventTime: store.getMeta<number | null>('maxEventTime') ?? null,
    sincePrune: store.getMeta<number>('sincePrune') ?? 0,
  };
  for (const table of FRAUD_STATE_TABLES) {
    snapshot[table] = store.names(rowKey(table)).map((name) => [name, store.get(rowKey(table), name)]);
  }
  return createFraudDetector({
    ...(config === undefined ? {} : { config }),
    snapshot: snapshot as unknown as FraudStateSnapshot,
  });
}

function saveDetector(store: StateStore, detector: FraudDetector): void {
  for (const change of detector.drainChanges()) {
    if (change.table === 'meta') store.setMeta(change.key, change.value);
    else if (change.value === undefined) store.delete(rowKey(change.table), change.key);
    else store.put(rowKey(change.table), change.key, change.value);
  }
}

/**
 * Create the detector's processor over `topics.input`, writing verdicts to `topics.ivt` and signals to
 * `topics.fraudSignals` with their deterministic ids.
 *
 * @example
 * createProcessorHost({ log, name: 'fraud-detector', layout: 'merged', inputTopics: [topics.input], stateDir,
 *   processor: createDetectorProcessor({ topics }), eventTime: { maxOutOfOrdernessMs: 0 } });
 */
export function createDetectorProcessor(options: {
  topics: FraudTopics;
  config?: FraudConfigInput;
}): Processor<CleanEvent> {
  const { topics, config } = options;
  const detectors = new Map<number, FraudDetector>();
  const detectorOf = (partition: number): FraudDetector => {
    const detector = detectors.get(partition);
    if (detector === undefined)
      throw new FraudError('STATE_CORRUPT', 'the detector was used before its state was loaded', {
        partition,
      });
    return detector;
  };
  return {
    parse: (record) => cleanEventSchema.parse(JSON.parse(record.value)),
    // Untimed: the detector judges every ad event, however late, in its input's order.
    eventTime: () => null,
    eventId: (event) => event.eventId,
    onRecord(event, context) {
      const out = detectorOf(context.partition).observe(event);
      if (event.type === 'impression' || event.type === 'click') context.count(DETECTOR_COUNTS.adEvent);
      for (const verdict of out.verdicts) {
        context.emit({
          topic: topics.ivt,
          key: verdict.subjectId ?? verdict.eventId,
          value: verdict,
          outputId: verdict.verdictId,
        });
        context.count(DETECTOR_COUNTS.verdict);
      }
      for (const signal of out.signals) {
        context.emit({
          topic: topics.fraudSignals,
          key: signal.sourceHash,
          value: signal,
          outputId: signal.signalId,
        });
        context.count(DETECTOR_COUNTS.signal);
      }
    },
    memory: {
      load: (store, partition) => void detectors.set(partition, loadDetector(store, config)),
      save: (store, partition) => saveDetector(store, detectorOf(partition)),
    },
  };
}
