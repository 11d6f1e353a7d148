/**
 * Event-time windows. All windows are half-open `[start, end)` in epoch milliseconds (UTC).
 *
 * - tumbling: fixed, non-overlapping windows of `size` aligned to the epoch (plus an optional offset);
 * - sliding: windows of `size` starting every `slide`; an event belongs to `size / slide` of them;
 * - "within the last N": an event at `t` counts at time `now` when `t <= now < t + N`;
 * - "between N and M ago": an event at `t` counts at `now` when `t + N <= now < t + M`.
 *
 * The relative windows change their answer only at `t`, `t + N` and `t + M`: `relativeWindowBoundaries`
 * names those instants so a processor can set a timer on each and re-evaluate as the watermark passes.
 */

/** A half-open event-time window `[start, end)`. */
export interface TimeWindow {
  start: number;
  end: number;
}

/** Milliseconds in common units. */
export const MS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * The tumbling window holding `eventTime`.
 *
 * @example tumblingWindow(Date.parse('2026-01-01T10:17:00Z'), MS.hour) // 10:00..11:00
 */
export function tumblingWindow(eventTime: number, sizeMs: number, offsetMs = 0): TimeWindow {
  assertPositive(sizeMs, 'sizeMs');
  const start = Math.floor((eventTime - offsetMs) / sizeMs) * sizeMs + offsetMs;
  return { start, end: start + sizeMs };
}

/**
 * Every sliding window holding `eventTime`, earliest start first.
 *
 * @example slidingWindows(t, 10 * MS.minute, 5 * MS.minute) // the two 10-minute windows holding t
 */
export function slidingWindows(
  eventTime: number,
  sizeMs: number,
  slideMs: number,
  offsetMs = 0,
): TimeWindow[] {
  assertPositive(sizeMs, 'sizeMs');
  assertPositive(slideMs, 'slideMs');
  const lastStart = Math.floor((eventTime - offsetMs) / slideMs) * slideMs + offsetMs;
  const windows: TimeWindow[] = [];
  for (let start = lastStart; start > eventTime - sizeMs; start -= slideMs) {
    windows.unshift({ start, end: start + sizeMs });
  }
  return windows;
}

/** A window relative to "now": within the last `durationMs`, or between `fromMs` and `toMs` ago. */
export type RelativeWindow =
  { kind: 'within'; durationMs: number } | { kind: 'between'; fromMs: number; toMs: number };

/** Whether an event at `eventTime` counts in a relative window evaluated at `now`. */
export function inRelativeWindow(window: RelativeWindow, eventTime: number, now: number): boolean {
  if (eventTime > now) return false;
  const age = now - eventTime;
  return window.kind === 'within' ? age < window.durationMs : age >= window.fromMs && age < window.toMs;
}

/** Whether an event at `eventTime` is within the last `durationMs` at `now`. */
export function withinLast(eventTime: number, now: number, durationMs: number): boolean {
  return inRelativeWindow({ kind: 'within', durationMs }, eventTime, now);
}

/** Whether an event at `eventTime` happened between `fromMs` and `toMs` before `now`. */
export function betweenAgo(eventTime: number, now: number, fromMs: number, toMs: number): boolean {
  return inRelativeWindow({ kind: 'between', fromMs, toMs }, eventTime, now);
}

/** The instants after an event at `eventTime` where its membership in `window` can change. */
export function relativeWindowBoundaries(window: RelativeWindow, eventTime: number): number[] {
  return window.kind === 'within'
    ? [eventTime, eventTime + window.durationMs]
    : [eventTime + window.fromMs, eventTime + window.toMs];
}

/** How long after an event it can still count in `window` (state older than this may be pruned). */
export function relativeWindowHorizon(window: RelativeWindow): number {
  return window.kind === 'within' ? window.durationMs : window.toMs;
}

/** The UTC day (`YYYY-MM-DD`) of an event time. */
export function utcDay(eventTime: number): string {
  return new Date(eventTime).toISOString().slice(0, 10);
}

function assertPositive(value: number, name: string): void {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a positive finite number`);
}
