/**
 * A processor with a working copy of its state in memory (`Processor.memory`, as the fraud detector has): the
 * task loads it with the task, saves it once per batch, and a failing handler leaves nothing behind in it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessorTask } from '../../../processors/runtime/index.ts';
import type { Processor } from '../../../processors/runtime/index.ts';
import { TOPICS } from '../../../schema/topics.ts';
import { openTask, recordsOf, tempDir } from './task-fixtures.ts';

interface Input {
  id: string;
  boom?: boolean;
}

/** Counts records in memory; a `boom` record counts, then throws (a partial change the task must undo). */
function createMemoryCounter(): Processor<Input> & { saves: number; loads: number } {
  const counts = new Map<number, number>();
  const counter = {
    saves: 0,
    loads: 0,
    parse: (record: { value: string }) => JSON.parse(record.value) as Input,
    eventTime: () => null,
    eventId: (input: Input) => input.id,
    onRecord(input: Input, context: Parameters<Processor<Input>['onRecord']>[1]) {
      const count = (counts.get(context.partition) ?? 0) + 1;
      counts.set(context.partition, count);
      if (input.boom === true) throw new Error('boom');
      context.emit({ topic: 'test.counts', key: null, value: count, outputId: `count:${input.id}` });
    },
    memory: {
      load(store: { getMeta<T>(name: string): T | undefined }, partition: number) {
        counter.loads += 1;
        counts.set(partition, store.getMeta<number>('count') ?? 0);
      },
      save(store: { setMeta(name: string, value: unknown): void }, partition: number) {
        counter.saves += 1;
        store.setMeta('count', counts.get(partition) ?? 0);
      },
    },
  };
  return counter;
}

describe('processor task with a working copy in memory', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  const setup = (processor: Processor<Input>) => {
    const temp = tempDir('memory-');
    const opened = openTask(temp.dir, processor, { maxOutOfOrdernessMs: 0 });
    cleanups.push(() => {
      opened.close();
      temp.cleanup();
    });
    return opened;
  };

  it('loads it with the task and saves it once per batch', () => {
    const counter = createMemoryCounter();
    const { task, drain } = setup(counter);
    expect(counter.loads).toBe(1);
    const records = recordsOf(
      'in',
      0,
      [1, 2, 3].map((n) => ({ key: 'a', value: { id: `e${n}` } })),
    );
    task.processBatch({ topic: 'in', partition: 0, records });
    expect(counter.saves).toBe(1);
    expect(task.store.getMeta('count')).toBe(3);
    expect(drain().map((entry) => JSON.parse(entry.value) as number)).toEqual([1, 2, 3]);
    // A task made again over the same store (a new assignment) starts from what was saved.
    const again = createProcessorTask({
      processorName: 'test',
      partition: 0,
      store: task.store,
      processor: counter,
      eventTime: { maxOutOfOrdernessMs: 0 },
    });
    again.processBatch({
      topic: 'in',
      partition: 0,
      records: recordsOf('in', 0, [{ key: 'a', value: { id: 'e4' } }], 3),
    });
    expect(drain().map((entry) => JSON.parse(entry.value) as number)).toEqual([4]);
  });

  it('dead-letters a record whose handler throws and undoes what it changed in memory', () => {
    const counter = createMemoryCounter();
    const { task, drain } = setup(counter);
    const records = recordsOf('in', 0, [
      { key: 'a', value: { id: 'e1' } },
      { key: 'a', value: { id: 'e2', boom: true } },
      { key: 'a', value: { id: 'e3' } },
    ]);
    task.processBatch({ topic: 'in', partition: 0, records });
    const outputs = drain().map((entry) => ({
      topic: entry.topic,
      value: JSON.parse(entry.value) as unknown,
    }));
    expect(outputs.filter((output) => output.topic === 'test.counts').map((output) => output.value)).toEqual([
      1, 2,
    ]);
    expect(outputs.filter((output) => output.topic === TOPICS.deadLetter)).toHaveLength(1);
    expect(task.store.getMeta('count')).toBe(2);
    expect(task.stats()).toMatchObject({ records: 3, deadLettered: 1 });
  });
});
