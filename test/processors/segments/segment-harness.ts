/** Drives the segments processor task directly: events and consent changes in a chosen order. */
import { MS } from '../../../processors/runtime/index.ts';
import type { EventTimeOptions } from '../../../processors/runtime/index.ts';
import {
  createSegmentProcessor,
  readMemberships,
  readSegmentSizes,
} from '../../../processors/segments/index.ts';
import type { SegmentDefinition } from '../../../processors/segments/index.ts';
import { TOPICS } from '../../../schema/topics.ts';
import type { CleanEvent, ConsentChange, SegmentChange } from '../../../schema/topics.ts';
import { openTask, tempDir } from '../runtime/task-fixtures.ts';

/** An input in arrival order. */
export type HarnessInput = { event: CleanEvent } | { consent: ConsentChange };

/** A running harness over a fresh state file. */
export interface SegmentHarness {
  feed(inputs: HarnessInput[]): SegmentChange[];
  memberships(): Map<string, string[]>;
  sizes(): Record<string, number>;
  keys(): string[];
  timerCount(): number;
  stats(): ReturnType<ReturnType<typeof openTask>['task']['stats']>;
  watermark(): number;
  close(): void;
}

/** Open a harness; `maxOutOfOrdernessMs` defaults to one hour and allowed lateness to 0. */
export function openSegmentHarness(
  definitions: SegmentDefinition[],
  eventTime: EventTimeOptions = { maxOutOfOrdernessMs: MS.hour, allowedLatenessMs: 0 },
): SegmentHarness {
  const temp = tempDir('segments-');
  const opened = openTask(temp.dir, createSegmentProcessor({ definitions }), eventTime);
  const offsets = { [TOPICS.events]: 0, [TOPICS.consent]: 0 } as Record<string, number>;
  return {
    feed(inputs) {
      for (const input of inputs) {
        const topic = 'event' in input ? TOPICS.events : TOPICS.consent;
        const value = 'event' in input ? input.event : input.consent;
        const key =
          'event' in input ? (input.event.subjectId ?? input.event.eventId) : input.consent.subjectId;
        const offset = offsets[topic]!;
        offsets[topic] = offset + 1;
        opened.task.processBatch({
          topic,
          partition: 0,
          records: [
            { topic, partition: 0, offset, key, value: JSON.stringify(value), headers: {}, timestamp: 0 },
          ],
        });
      }
      return opened
        .drain()
        .filter((entry) => entry.topic === TOPICS.segmentChanges)
        .map((entry) => JSON.parse(entry.value) as SegmentChange);
    },
    memberships: () => readMemberships([opened.task.store]),
    sizes: () => readSegmentSizes([opened.task.store]),
    keys: () => opened.task.store.keys(),
    timerCount: () => opened.task.store.timerCount(),
    stats: () => opened.task.stats(),
    watermark: () => opened.task.watermark(),
    close: () => {
      opened.close();
      temp.cleanup();
    },
  };
}
