import { describe, expect, it } from 'vitest';
import {
  MS,
  betweenAgo,
  relativeWindowBoundaries,
  slidingWindows,
  tumblingWindow,
  utcDay,
  withinLast,
} from '../../../processors/runtime/index.ts';

const at = (iso: string): number => Date.parse(iso);

describe('tumbling windows (hand-worked)', () => {
  it('puts 10:17 in the 10:00-11:00 hour and 11:00 exactly in the next one', () => {
    expect(tumblingWindow(at('2026-01-01T10:17:00Z'), MS.hour)).toEqual({
      start: at('2026-01-01T10:00:00Z'),
      end: at('2026-01-01T11:00:00Z'),
    });
    expect(tumblingWindow(at('2026-01-01T11:00:00Z'), MS.hour).start).toBe(at('2026-01-01T11:00:00Z'));
    expect(tumblingWindow(at('2026-01-01T10:59:59.999Z'), MS.hour).start).toBe(at('2026-01-01T10:00:00Z'));
  });

  it('honours an offset (15-minute-shifted hours)', () => {
    expect(tumblingWindow(at('2026-01-01T10:10:00Z'), MS.hour, 15 * MS.minute)).toEqual({
      start: at('2026-01-01T09:15:00Z'),
      end: at('2026-01-01T10:15:00Z'),
    });
  });

  it('rejects a non-positive size', () => {
    expect(() => tumblingWindow(0, 0)).toThrow(RangeError);
  });
});

describe('sliding windows (hand-worked)', () => {
  it('puts 10:07 in the two 10-minute windows sliding by 5 that hold it', () => {
    expect(slidingWindows(at('2026-01-01T10:07:00Z'), 10 * MS.minute, 5 * MS.minute)).toEqual([
      { start: at('2026-01-01T10:00:00Z'), end: at('2026-01-01T10:10:00Z') },
      { start: at('2026-01-01T10:05:00Z'), end: at('2026-01-01T10:15:00Z') },
    ]);
  });

  it('puts a boundary instant only in windows starting at or before it', () => {
    expect(slidingWindows(at('2026-01-01T10:10:00Z'), 10 * MS.minute, 5 * MS.minute)).toEqual([
      { start: at('2026-01-01T10:05:00Z'), end: at('2026-01-01T10:15:00Z') },
      { start: at('2026-01-01T10:10:00Z'), end: at('2026-01-01T10:20:00Z') },
    ]);
  });

  it('gives size/slide windows for a 1-hour window sliding by 15 minutes', () => {
    expect(slidingWindows(at('2026-01-01T10:20:00Z'), MS.hour, 15 * MS.minute).map((w) => w.start)).toEqual([
      at('2026-01-01T09:30:00Z'),
      at('2026-01-01T09:45:00Z'),
      at('2026-01-01T10:00:00Z'),
      at('2026-01-01T10:15:00Z'),
    ]);
  });
});

describe('relative windows (hand-worked)', () => {
  const event = at('2026-03-01T12:00:00Z');

  it('"within the last 14 days" holds from the event until exactly 14 days later (exclusive)', () => {
    expect(withinLast(event, event - 1, 14 * MS.day)).toBe(false); // before it happened
    expect(withinLast(event, event, 14 * MS.day)).toBe(true);
    expect(withinLast(event, at('2026-03-15T11:59:59.999Z'), 14 * MS.day)).toBe(true);
    expect(withinLast(event, at('2026-03-15T12:00:00Z'), 14 * MS.day)).toBe(false);
  });

  it('"between 30 and 90 days ago" holds from day 30 (inclusive) to day 90 (exclusive)', () => {
    expect(betweenAgo(event, at('2026-03-31T11:59:59Z'), 30 * MS.day, 90 * MS.day)).toBe(false);
    expect(betweenAgo(event, at('2026-03-31T12:00:00Z'), 30 * MS.day, 90 * MS.day)).toBe(true);
    expect(betweenAgo(event, at('2026-05-30T11:59:59Z'), 30 * MS.day, 90 * MS.day)).toBe(true);
    expect(betweenAgo(event, at('2026-05-30T12:00:00Z'), 30 * MS.day, 90 * MS.day)).toBe(false);
  });

  it('names the instants where the answer changes', () => {
    expect(relativeWindowBoundaries({ kind: 'within', durationMs: MS.day }, event)).toEqual([
      event,
      event + MS.day,
    ]);
    expect(
      relativeWindowBoundaries({ kind: 'between', fromMs: 30 * MS.day, toMs: 90 * MS.day }, event),
    ).toEqual([event + 30 * MS.day, event + 90 * MS.day]);
  });

  it('names UTC days', () => {
    expect(utcDay(at('2026-03-01T23:59:59-01:00'))).toBe('2026-03-02');
  });
});
