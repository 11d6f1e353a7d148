/**
 * Write records through the {@link Log} interface (embedded or Kafka), optionally paced to a wall-clock rate.
 */
import type { Log, ProduceMessage } from '../processors/runtime/index.ts';
import { RAW_TOPICS } from '../schema/events.ts';
import { SimulatorError } from './errors.ts';
import { toProduceMessage } from './record.ts';
import type { SimulatedRecord } from './record.ts';

/** Options of {@link writeToLog}. */
export interface WriteToLogOptions {
  /** Records per wall-clock second (default: as fast as the log takes them). */
  rate?: number;
  /** Stop after this many wall-clock milliseconds. */
  durationMs?: number;
  /** Stop early; the batch in flight finishes first. */
  signal?: AbortSignal;
  /** Largest produce batch (default 500, smaller at low rates so pacing stays smooth). */
  batchSize?: number;
  /** Called after every batch with the number of records produced so far. */
  onProgress?: (records: number) => void;
}

/** What {@link writeToLog} produced. */
export interface WriteToLogResult {
  records: number;
  elapsedMs: number;
}

/** Create the raw topics (campaigns compacted) if they do not exist. */
export async function createRawTopics(log: Log): Promise<void> {
  for (const topic of Object.values(RAW_TOPICS)) {
    await log.createTopic(topic, topic === RAW_TOPICS.campaigns ? { compacted: true } : {});
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Produce records to their topics; per-topic order is the stream's order, and so is the order of the log
 * timestamps across topics: each record is stamped one millisecond after the one before it (or now, if that is
 * later). A batch is produced topic by topic, so without the stamps a purchase could carry an earlier log time
 * than the loyalty sign-up the stream put a second before it, and ingest — which applies the raw topics in log
 * time order — would meet the purchase first.
 *
 * @example
 * await writeToLog(log, simulate({ seed: 7 }), { rate: 200, signal: controller.signal });
 */
export async function writeToLog(
  log: Log,
  records: Iterable<SimulatedRecord>,
  options: WriteToLogOptions = {},
): Promise<WriteToLogResult> {
  const { rate, signal } = options;
  if (rate !== undefined && !(rate > 0))
    throw new SimulatorError('INVALID_OPTION', 'rate must be positive', { option: 'rate' });
  const batchSize =
    options.batchSize ?? (rate === undefined ? 500 : Math.max(1, Math.min(500, Math.floor(rate / 20))));
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  await createRawTopics(log);
  const iterator = records[Symbol.iterator]();
  let clock = 0;
  let sent = 0;
  let exhausted = false;
  while (!exhausted && signal?.aborted !== true && performance.now() < deadline) {
    let allowed = batchSize;
    if (rate !== undefined) {
      const elapsed = performance.now() - started;
      allowed = Math.min(batchSize, Math.floor((rate * elapsed) / 1000) + 1 - sent);
      if (allowed <= 0) {
        await sleep(Math.max(1, Math.min(50, ((sent + 1) * 1000) / rate - elapsed)), signal);
        continue;
      }
    }
    const byTopic = new Map<string, ProduceMessage[]>();
    for (let n = 0; n < allowed; n += 1) {
      const next = iterator.next();
      if (next.done === true) {
        exhausted = true;
        break;
      }
      const messages = byTopic.get(next.value.topic) ?? [];
      clock = Math.max(Date.now(), clock + 1);
      messages.push({ ...toProduceMessage(next.value), timestamp: clock });
      byTopic.set(next.value.topic, messages);
    }
    for (const [topic, messages] of byTopic) {
      await log.produce(topic, messages);
      sent += messages.length;
    }
    options.onProgress?.(sent);
  }
  return { records: sent, elapsedMs: performance.now() - started };
}
