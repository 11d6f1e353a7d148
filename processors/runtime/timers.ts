/**
 * Event-time timers over the state store. A timer is unique per (key, name, time) and fires once the
 * partition's watermark reaches its time. Timers fire in (time, key, name) order, so a partition's outputs
 * depend only on its input sequence, never on batch boundaries or wall-clock time.
 */
import type { StateStore, StoredTimer } from './state/state-store.ts';

/** Timers of one processor task. */
export interface TimerService {
  /**
   * Set a timer. A time the watermark already reached is moved to the watermark (it fires after the
   * current record) so a late registration never fires "in the past" of state already applied.
   */
  register(key: string, name: string, time: number, watermark: number): void;
  cancel(key: string, name: string, time: number): void;
  /**
   * Fire every timer at or before `watermark`, earliest first, including timers that firing ones set.
   * Returns how many fired.
   */
  fireDue(watermark: number, fire: (timer: StoredTimer) => void): number;
}

/** Largest number of timers fired for one watermark step before the runtime assumes a timer loop. */
const MAX_TIMERS_PER_STEP = 1_000_000;

/** Create the timer service of a task's state store. */
export function createTimerService(store: StateStore): TimerService {
  return {
    register(key, name, time, watermark) {
      if (!Number.isFinite(time)) throw new RangeError(`timer time must be finite (timer ${name})`);
      store.registerTimer({ key, name, time: Math.max(time, watermark) });
    },
    cancel(key, name, time) {
      store.cancelTimer({ key, name, time });
    },
    fireDue(watermark, fire) {
      if (watermark === -Infinity) return 0;
      let fired = 0;
      for (let timer = store.nextDueTimer(watermark); timer; timer = store.nextDueTimer(watermark)) {
        store.cancelTimer(timer);
        fire(timer);
        fired += 1;
        if (fired > MAX_TIMERS_PER_STEP) throw new RangeError('a timer handler keeps setting due timers');
      }
      return fired;
    },
  };
}
