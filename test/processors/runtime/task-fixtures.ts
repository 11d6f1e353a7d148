/** Helpers for driving a processor task directly with record batches (no log). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProcessorTask, openStateStore } from '../../../processors/runtime/index.ts';
import type {
  EventTimeOptions,
  LogRecord,
  OutboxEntry,
  Processor,
  ProcessorTask,
  RecordBatch,
} from '../../../processors/runtime/index.ts';

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Records of one topic partition with consecutive offsets from `firstOffset`. */
export function recordsOf(
  topic: string,
  partition: number,
  values: Array<{ key: string | null; value: unknown }>,
  firstOffset = 0,
): LogRecord[] {
  return values.map((entry, index) => ({
    topic,
    partition,
    offset: firstOffset + index,
    key: entry.key,
    value: typeof entry.value === 'string' ? entry.value : JSON.stringify(entry.value),
    headers: {},
    timestamp: Date.parse('2026-01-01T00:00:00Z'),
  }));
}

/** Split records into batches of the given sizes (the rest in one last batch). */
export function batchesOf(records: LogRecord[], sizes: number[] = []): RecordBatch[] {
  const batches: RecordBatch[] = [];
  let start = 0;
  for (const size of sizes) {
    if (start >= records.length) break;
    const slice = records.slice(start, start + Math.max(1, size));
    batches.push({ topic: slice[0]!.topic, partition: slice[0]!.partition, records: slice });
    start += slice.length;
  }
  if (start < records.length) {
    batches.push({
      topic: records[start]!.topic,
      partition: records[start]!.partition,
      records: records.slice(start),
    });
  }
  return batches;
}

/** A task over a fresh state file; `outputs()` reads (and confirms) the outbox as parsed values. */
export function openTask<In>(
  dir: string,
  processor: Processor<In>,
  eventTime: EventTimeOptions,
  partition = 0,
): { task: ProcessorTask; drain: () => OutboxEntry[]; close: () => void } {
  // Throwaway state: no fsync per batch (durability is the restart test's subject, not these).
  const store = openStateStore(path.join(dir, `partition-${partition}.sqlite`), { synchronous: 'OFF' });
  const task = createProcessorTask({ processorName: 'test', partition, store, processor, eventTime });
  return {
    task,
    drain: () => {
      const pending = store.pendingOutbox();
      const last = pending[pending.length - 1];
      if (last) store.confirmOutbox(last.sequence);
      return pending;
    },
    close: () => store.close(),
  };
}
