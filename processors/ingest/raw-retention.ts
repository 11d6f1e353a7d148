/**
 * Raw retention: raw `retail.*` records hold emails and phone numbers until ingest has hashed them, so once ingest
 * is past them they should not stay at rest. On the embedded log (which the product owns) this deletes, per
 * partition, the records below the offset ingest's consumer group had committed at least `graceMs` ago.
 *
 * Why the commit and not the state: ingest commits its group's offsets only after the state transaction that
 * holds them and the outputs it derived are out (processors/runtime/processor-host.ts), so a record below a
 * committed offset is never needed again by a running pipeline. The grace is measured from when the retention
 * task first SAW that commit (snapshots in memory), so a restarted gateway waits a full grace before deleting
 * anything: it never deletes sooner than asked, whatever the records' own timestamps say.
 *
 * On Kafka the topics are the retailer's and the broker's `retention.ms` governs them (docs/operations.md); the
 * task does nothing there. Deleted records cannot be re-ingested: rebuilding ingest's state from scratch then
 * starts from what is left (the trade the operator makes with the grace).
 */
import type { Log } from '../runtime/index.ts';

/** Options of {@link createRawRetention}. */
export interface RawRetentionOptions {
  log: Log;
  /** The raw topics to clear behind ingest. */
  topics: readonly string[];
  /** Ingest's consumer group. */
  groupId: string;
  /** How long after ingest committed past a record it is deleted (0: at the next sweep). */
  graceMs: number;
  /** How often to look (default a quarter of the grace, between 1 s and 60 s). */
  intervalMs?: number;
  now?: () => number;
  /** Called after each sweep that deleted records (counts only: never a record). */
  onDeleted?: (deleted: { topic: string; records: number }[]) => void;
  onError?: (error: unknown) => void;
}

/** A running retention task. */
export interface RawRetention {
  start(): void;
  stop(): Promise<void>;
  /** One sweep now (what the timer does); resolves to the records deleted. */
  sweep(): Promise<number>;
  /** Records deleted since start. */
  deleted(): number;
}

interface Snapshot {
  at: number;
  offsets: Map<string, number[]>;
}

/**
 * Create the retention task; it is inert on a log that cannot delete records (Kafka).
 *
 * @example
 * const retention = createRawRetention({ log, topics: rawTopics, groupId: 'cleanroom-ingest', graceMs: 15 * 60_000 });
 * retention.start();
 */
export function createRawRetention(options: RawRetentionOptions): RawRetention {
  const { log, groupId, graceMs } = options;
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    throw new RangeError(`the raw retention grace must be a non-negative number of ms, got ${graceMs}`);
  }
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(graceMs / 4)));
  const snapshots: Snapshot[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let total = 0;

  const sweepNow = async (): Promise<number> => {
    const remove = log.deleteRecordsBefore?.bind(log);
    if (remove === undefined) return 0;
    const at = now();
    const offsets = new Map<string, number[]>();
    for (const topic of options.topics) offsets.set(topic, await log.committedOffsets(groupId, topic));
    snapshots.push({ at, offsets });
    // The newest snapshot at least a grace old decides; older ones are no longer needed.
    let due: Snapshot | undefined;
    while (snapshots.length > 0 && snapshots[0]!.at <= at - graceMs) due = snapshots.shift();
    if (due === undefined) return 0;
    // Keep it for the next sweep too (a later commit may not be a grace old yet).
    snapshots.unshift(due);
    const report: { topic: string; records: number }[] = [];
    let deleted = 0;
    for (const [topic, before] of due.offsets) {
      const records = await remove(topic, before);
      if (records > 0) report.push({ topic, records });
      deleted += records;
    }
    total += deleted;
    if (report.length > 0) options.onDeleted?.(report);
    return deleted;
  };

  const sweep = (): Promise<number> => {
    running ??= sweepNow().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    start() {
      if (timer !== undefined || log.deleteRecordsBefore === undefined) return;
      void sweep().catch((error: unknown) => options.onError?.(error));
      timer = setInterval(() => {
        void sweep().catch((error: unknown) => options.onError?.(error));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      // A sweep that fails was reported to onError by whoever started it; deleting is retried on the next start.
      await running?.catch(reportedByTheSweepsCaller);
    },
    sweep,
    deleted: () => total,
  };
}

/** A sweep's failure reaches `onError` through the call that started it; stopping waits for it, nothing more. */
function reportedByTheSweepsCaller(): void {}
