/**
 * Records waiting to be emitted, ordered by the simulated time they reach the log (their event time plus a
 * delivery delay), ties broken by creation order so the stream is deterministic.
 */
import type { RawTopic } from '../schema/events.ts';

/** A generated record waiting for its delivery time. */
export interface PendingRecord {
  emitAt: number;
  seq: number;
  topic: RawTopic;
  key: string | null;
  value: object;
  occurredAtMs: number;
  emitted: boolean;
  /** Called when the record leaves the simulator (to record ground truth only for emitted events). */
  onEmit?: (record: PendingRecord) => void;
}

/** A binary min-heap of pending records. */
export interface Schedule {
  push(record: PendingRecord): void;
  peek(): PendingRecord | undefined;
  pop(): PendingRecord | undefined;
  readonly size: number;
}

function before(a: PendingRecord, b: PendingRecord): boolean {
  return a.emitAt < b.emitAt || (a.emitAt === b.emitAt && a.seq < b.seq);
}

/** An empty schedule. */
export function createSchedule(): Schedule {
  const heap: PendingRecord[] = [];
  return {
    get size() {
      return heap.length;
    },
    push(record) {
      heap.push(record);
      let index = heap.length - 1;
      while (index > 0) {
        const parent = (index - 1) >> 1;
        if (!before(heap[index] as PendingRecord, heap[parent] as PendingRecord)) break;
        [heap[index], heap[parent]] = [heap[parent] as PendingRecord, heap[index] as PendingRecord];
        index = parent;
      }
    },
    peek: () => heap[0],
    pop() {
      const top = heap[0];
      const last = heap.pop();
      if (top === undefined || last === undefined || heap.length === 0) return top;
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && before(heap[left] as PendingRecord, heap[smallest] as PendingRecord))
          smallest = left;
        if (right < heap.length && before(heap[right] as PendingRecord, heap[smallest] as PendingRecord))
          smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest] as PendingRecord, heap[index] as PendingRecord];
        index = smallest;
      }
      return top;
    },
  };
}
