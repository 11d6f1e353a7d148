/** Counters of a processor host: the sum over its tasks, the watermark of each and what awaits producing. */
import { emptyStats } from './processor-task.ts';
import type { ProcessorTask, TaskStats } from './processor-task.ts';

/** Counters of a host: the sum over its tasks, plus the watermark of each partition. */
export interface HostStats extends TaskStats {
  watermarks: Record<number, number>;
  pendingOutbox: number;
}

/** The counters of `tasks`, added up. */
export function sumTaskStats(tasks: readonly ProcessorTask[]): HostStats {
  const total: HostStats = { ...emptyStats(), watermarks: {}, pendingOutbox: 0 };
  for (const task of tasks) {
    const stats = task.stats();
    total.records += stats.records;
    total.lateApplied += stats.lateApplied;
    total.tooLate += stats.tooLate;
    total.deadLettered += stats.deadLettered;
    total.timersFired += stats.timersFired;
    total.outputs += stats.outputs;
    total.repeats += stats.repeats;
    for (const [name, count] of Object.entries(stats.counts))
      total.counts[name] = (total.counts[name] ?? 0) + count;
    total.watermarks[task.partition] = task.watermark();
    total.pendingOutbox += task.store.pendingOutbox().length;
  }
  return total;
}
