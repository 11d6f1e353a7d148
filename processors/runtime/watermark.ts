/**
 * Event-time watermarks with bounded out-of-orderness.
 *
 * The watermark is the claim "no event older than this is still expected": `max event time seen - bound`.
 * Events behind the watermark but within the allowed lateness are still applied (their results are
 * restatements); events older than `watermark - allowedLateness` are too late and go to the side output.
 */

/** Watermark settings of a processor. */
export interface WatermarkOptions {
  /** How far behind the newest event an event may arrive and still be on time (ms). */
  maxOutOfOrdernessMs: number;
  /** How far behind the watermark an event is still applied, as a restatement (ms, default 0). */
  allowedLatenessMs?: number;
}

/** The serializable state of a watermark (stored with the processor's state). */
export interface WatermarkState {
  /** Largest event time seen, or null before the first event. */
  maxEventTime: number | null;
  /** A watermark forced forward (idle advance); the watermark is never below it. */
  floor: number | null;
}

/** How an event relates to the watermark. */
export type Timeliness = 'on-time' | 'late' | 'too-late';

/** A watermark tracker over one partition. */
export interface WatermarkTracker {
  /** The current watermark (ms), or -Infinity before the first event. */
  current(): number;
  /** Classify an event time against the current watermark (before observing it). */
  classify(eventTime: number): Timeliness;
  /** Observe an event time; returns whether the watermark moved forward. */
  observe(eventTime: number): boolean;
  /** Move the watermark to at least `watermark` (idle partitions); returns whether it moved. */
  advanceTo(watermark: number): boolean;
  state(): WatermarkState;
}

/**
 * Create a watermark tracker, optionally resuming from stored state.
 *
 * @example
 * const wm = createWatermarkTracker({ maxOutOfOrdernessMs: 60_000, allowedLatenessMs: 3_600_000 });
 * if (wm.classify(t) === 'too-late') sideOutput(event); else { wm.observe(t); apply(event); }
 */
export function createWatermarkTracker(options: WatermarkOptions, resume?: WatermarkState): WatermarkTracker {
  const bound = options.maxOutOfOrdernessMs;
  const lateness = options.allowedLatenessMs ?? 0;
  let maxEventTime = resume?.maxEventTime ?? null;
  let floor = resume?.floor ?? null;

  const current = (): number => {
    const fromEvents = maxEventTime === null ? -Infinity : maxEventTime - bound;
    return floor === null ? fromEvents : Math.max(fromEvents, floor);
  };

  return {
    current,
    classify(eventTime) {
      const watermark = current();
      if (eventTime >= watermark) return 'on-time';
      return eventTime >= watermark - lateness ? 'late' : 'too-late';
    },
    observe(eventTime) {
      const before = current();
      if (maxEventTime === null || eventTime > maxEventTime) maxEventTime = eventTime;
      return current() > before;
    },
    advanceTo(watermark) {
      if (watermark <= current()) return false;
      floor = watermark;
      return true;
    },
    state: () => ({ maxEventTime, floor }),
  };
}
