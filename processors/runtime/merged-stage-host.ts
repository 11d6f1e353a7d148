/**
 * A stage whose state spans all of its input (inventory, bidding, offers): a processor host in the merged layout
 * (one task over every partition of every input topic, taking records in log-time order) with the topics it reads
 * and writes created before it joins its group.
 */
import type { Log } from './log.ts';
import type { Processor } from './processor.ts';
import { createProcessorHost } from './processor-host.ts';
import type { ProcessorHost } from './processor-host.ts';

/** Options of {@link createMergedStageHost}. */
export interface MergedStageHostOptions<In> {
  log: Log;
  stateDir: string;
  /** The stage's name: its group `cleanroom.<name><suffix>` and state folder `<stateDir>/<name><suffix>`. */
  name: string;
  /** Suffix of the name, e.g. for tests. */
  nameSuffix?: string;
  /** Input topics in the order records of one log time are taken. */
  inputTopics: string[];
  /** Topics to create compacted (inputs or outputs). */
  compactedTopics?: string[];
  /** Topics the stage writes, created with the default partition count. */
  outputTopics: string[];
  processor: Processor<In>;
  onError?: (error: unknown) => void;
}

/**
 * Create the stage's host; its state is `<stateDir>/<name><suffix>/partition-0.sqlite`.
 *
 * @example
 * const host = createMergedStageHost({ log, stateDir, name: 'inventory', inputTopics, outputTopics, processor });
 * await host.start();
 */
export function createMergedStageHost<In>(options: MergedStageHostOptions<In>): ProcessorHost {
  const { log, onError } = options;
  const compacted = new Set(options.compactedTopics ?? []);
  const host = createProcessorHost({
    log,
    name: `${options.name}${options.nameSuffix ?? ''}`,
    inputTopics: options.inputTopics,
    stateDir: options.stateDir,
    layout: 'merged',
    processor: options.processor,
    eventTime: { maxOutOfOrdernessMs: 0 },
    ...(onError === undefined ? {} : { onError }),
  });
  return {
    ...host,
    async start() {
      for (const topic of new Set([...options.inputTopics, ...options.outputTopics]))
        await log.createTopic(topic, compacted.has(topic) ? { compacted: true } : {});
      await host.start();
    },
  };
}
