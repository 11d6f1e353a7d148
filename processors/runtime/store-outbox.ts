/**
 * Producing a state store's outbox: the outputs a batch committed with its state, sent in order with their
 * deterministic id and their producer's sequence, then confirmed (so a restart re-sends only what was not).
 */
import type { Log } from './log.ts';
import { producerHeaders } from './producer-sequence.ts';
import type { StateStore } from './state/state-store.ts';

/** The header carrying an output's deterministic id. */
export const OUTPUT_ID_HEADER = 'cleanroom-output-id';

/** Outputs sent in one produce call at most. */
const RUN_LENGTH = 500;

/**
 * Produce a state store's unsent outputs in order (runs of one topic per produce call) with their id and
 * producer headers, confirming each run once the log took it. Returns how many were produced.
 */
export async function produceStoreOutbox(log: Log, store: StateStore, producer: string): Promise<number> {
  const pending = store.pendingOutbox();
  let start = 0;
  while (start < pending.length) {
    const topic = pending[start]!.topic;
    let end = start;
    while (end < pending.length && end - start < RUN_LENGTH && pending[end]!.topic === topic) end += 1;
    const run = pending.slice(start, end);
    await log.produce(
      topic,
      run.map((entry) => ({
        key: entry.key,
        value: entry.value,
        headers: { [OUTPUT_ID_HEADER]: entry.outputId, ...producerHeaders(producer, entry.sequence) },
        ...(entry.partition === null ? {} : { partition: entry.partition }),
      })),
    );
    store.confirmOutbox(run[run.length - 1]!.sequence);
    start = end;
  }
  return pending.length;
}
