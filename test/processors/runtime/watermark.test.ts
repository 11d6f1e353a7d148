import { describe, expect, it } from 'vitest';
import { MS, createWatermarkTracker } from '../../../processors/runtime/index.ts';

describe('bounded out-of-orderness watermark (hand-worked)', () => {
  const t = (minutes: number): number => Date.parse('2026-01-01T10:00:00Z') + minutes * MS.minute;

  it('is max event time minus the bound and classifies late and too-late events', () => {
    const watermark = createWatermarkTracker({
      maxOutOfOrdernessMs: 10 * MS.minute,
      allowedLatenessMs: 5 * MS.minute,
    });
    expect(watermark.current()).toBe(-Infinity);
    expect(watermark.observe(t(5))).toBe(true);
    expect(watermark.current()).toBe(t(-5));
    watermark.observe(t(50));
    expect(watermark.current()).toBe(t(40));
    // Out of order but not behind the watermark: on time.
    expect(watermark.classify(t(41))).toBe('on-time');
    expect(watermark.classify(t(40))).toBe('on-time');
    // Behind the watermark, within the allowed 5 minutes: late (applied as a restatement).
    expect(watermark.classify(t(35))).toBe('late');
    // More than 5 minutes behind: too late (side output).
    expect(watermark.classify(t(34))).toBe('too-late');
    // An older event never moves the watermark back.
    expect(watermark.observe(t(20))).toBe(false);
    expect(watermark.current()).toBe(t(40));
  });

  it('resumes from stored state and can be advanced (idle partitions) but never moves back', () => {
    const first = createWatermarkTracker({ maxOutOfOrdernessMs: MS.minute });
    first.observe(t(10));
    const resumed = createWatermarkTracker({ maxOutOfOrdernessMs: MS.minute }, first.state());
    expect(resumed.current()).toBe(t(9));
    expect(resumed.advanceTo(t(30))).toBe(true);
    expect(resumed.current()).toBe(t(30));
    expect(resumed.advanceTo(t(20))).toBe(false);
    resumed.observe(t(31)); // max - bound = 30: the floor still holds
    expect(resumed.current()).toBe(t(30));
    resumed.observe(t(40));
    expect(resumed.current()).toBe(t(39));
  });
});
