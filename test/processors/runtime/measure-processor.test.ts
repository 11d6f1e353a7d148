import { describe, expect, it } from 'vitest';
import { MS, measureProcessor } from '../../../processors/runtime/index.ts';
import {
  EXAMPLE_SEGMENTS_DIR,
  createSegmentProcessor,
  generateCleanEvents,
  loadSegmentDefinitions,
} from '../../../processors/segments/index.ts';

describe('measureProcessor (the benchmark hook)', () => {
  it('runs a processor alone over N events and makes the same outputs on every run', () => {
    const records = generateCleanEvents({ seed: 3, count: 3_000, subjects: 300 }).map((event) => ({
      key: event.subjectId,
      value: JSON.stringify(event),
    }));
    const run = () =>
      measureProcessor({
        processor: createSegmentProcessor({ definitions: loadSegmentDefinitions(EXAMPLE_SEGMENTS_DIR) }),
        records,
        eventTime: { maxOutOfOrdernessMs: 30 * MS.minute },
      });
    const first = run();
    const second = run();
    console.log(
      `segments alone: ${first.events} events in ${first.seconds.toFixed(2)} s = ${Math.round(first.eventsPerSecond)} events/s`,
    );
    expect(first.events).toBe(3_000);
    expect(first.outputs).toBeGreaterThan(0);
    expect(second.outputs).toBe(first.outputs);
    expect(first.eventsPerSecond).toBeCloseTo(first.events / first.seconds);
  });
});
