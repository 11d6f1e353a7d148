/**
 * Finding a state store's next due timer: the earliest of the buffered timers and the file's, skipping the
 * file's timers the buffer cancelled, without a query per call where none can be due.
 *
 * Two marks keep the file's look-ups cheap inside a transaction: a cursor (every stored timer up to it is
 * cancelled in the buffer, so the next look-up starts after it) and a floor (no stored timer that counts is
 * earlier: below it the query is skipped). Another connection's commit (SQLite's data_version) or a cancelled
 * timer coming back makes the floor unknown again.
 */
import type { StateStatements } from './state-statements.ts';
import type { StoredTimer } from './state-types.ts';
import { timerId, timerOrder } from './write-buffer.ts';
import type { WriteBuffer } from './write-buffer.ts';

/** Timer look-ups of one state store. */
export interface TimerReads {
  attach(buffer: WriteBuffer): void;
  begin(): void;
  committed(): void;
  rolledBack(): void;
  /** A cancelled timer of the file counts again: the marks may have passed it. */
  storedTimerRestored(): void;
  storedTimerExists(timer: StoredTimer): boolean;
  /** The earliest timer at or before `watermark` (buffer merged over the file when `open`). */
  nextDue(watermark: number, open: boolean): StoredTimer | undefined;
}

/** Create the timer look-ups over a store's statements. */
export function createTimerReads(sql: StateStatements): TimerReads {
  let buffer: WriteBuffer | undefined;
  let storedCursor: StoredTimer | undefined;
  let storedFloor = Number.NEGATIVE_INFINITY;
  let floorAtBegin = storedFloor;
  let dataVersion: unknown;

  const firstStored = (removed: Map<string, StoredTimer>): StoredTimer | undefined => {
    for (;;) {
      const row = (
        storedCursor === undefined
          ? sql.firstTimer.get(1)
          : sql.timerAfter.get(storedCursor.time, storedCursor.key, storedCursor.name, 1)
      ) as StoredTimer | undefined;
      if (row === undefined) {
        storedFloor = Number.POSITIVE_INFINITY;
        return undefined;
      }
      if (!removed.has(timerId(row))) {
        storedFloor = row.time;
        return row;
      }
      storedCursor = row;
    }
  };

  return {
    attach(writeBuffer) {
      buffer = writeBuffer;
    },
    begin() {
      const version = sql.dataVersion.get();
      if (version !== dataVersion) {
        // Another connection committed: what this one knew of the timers may be stale.
        dataVersion = version;
        storedFloor = Number.NEGATIVE_INFINITY;
      }
      floorAtBegin = storedFloor;
      storedCursor = undefined;
    },
    committed() {
      const added = buffer?.firstAdded();
      if (added !== undefined) storedFloor = Math.min(storedFloor, added.time);
      storedCursor = undefined;
    },
    rolledBack() {
      storedFloor = floorAtBegin;
      storedCursor = undefined;
    },
    storedTimerRestored() {
      storedCursor = undefined;
      storedFloor = Number.NEGATIVE_INFINITY;
    },
    storedTimerExists: (timer) => sql.timerExists.get(timer.time, timer.key, timer.name) !== undefined,
    nextDue(watermark, open) {
      if (!open || buffer === undefined) return sql.nextDueTimer.get(watermark, 1) as StoredTimer | undefined;
      const added = buffer.firstAdded();
      let due = added !== undefined && added.time <= watermark ? added : undefined;
      if (watermark >= storedFloor) {
        const stored = firstStored(buffer.removedTimers);
        if (
          stored !== undefined &&
          stored.time <= watermark &&
          (due === undefined || timerOrder(stored, due) < 0)
        )
          due = stored;
      }
      return due === undefined ? undefined : { time: due.time, key: due.key, name: due.name };
    },
  };
}
