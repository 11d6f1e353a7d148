/**
 * A stage whose state spans all of its input (inventory, bidding, offers): a processor host in the merged layout
 * (one task over every partition of every input topic, taking records in log-time order) with the topics it reads
 * and writes created before it joins its group. A stage declares its name, its topics and its processor once;
 * {@link defineMergedStage} makes its host factory.
 */
import type { Log } from './log.ts';
import type { Processor } from './processor.ts';
import { createProcessorHost } from './processor-host.ts';
import type { ProcessorHost } from './processor-host.ts';

/** Options of every merged stage's host, beside its processor's own. */
export interface StageHostOptions {
  log: Log;
  stateDir: string;
  /** Suffix of the processor name (and so of its group id and state folder), e.g. for tests. */
  nameSuffix?: string;
  onError?: (error: unknown) => void;
}

/** What a merged stage is: its name, its topics (by role) and its processor. */
export interface MergedStage<
  Options extends { topics?: object },
  Topics extends Record<keyof Topics, string>,
  In,
> {
  /** The group `cleanroom.<name><suffix>` and the state folder `<stateDir>/<name><suffix>`. */
  name: string;
  /** The topic of each role, from the processor options' overrides. */
  topics(given: Options['topics']): Topics;
  /** Input roles, in the order records of one log time are taken. */
  inputs: ReadonlyArray<keyof Topics>;
  /** Roles whose topics are created compacted. */
  compacted?: ReadonlyArray<keyof Topics>;
  /** Roles the stage writes, created with the default partition count. */
  outputs: ReadonlyArray<keyof Topics>;
  /** The processor, given the options with every topic resolved. */
  processor(options: Options): Processor<In>;
}

/**
 * The host factory of a merged stage; its state is `<stateDir>/<name><suffix>/partition-0.sqlite`.
 *
 * @example
 * export const createInventoryHost = defineMergedStage({ name: 'inventory', topics: inventoryTopics,
 *   inputs: ['campaigns', 'inventory'], compacted: ['campaigns'], outputs: ['stock', 'campaignPauses'],
 *   processor: createInventoryProcessor });
 */
export function defineMergedStage<
  Options extends { topics?: object },
  Topics extends Record<keyof Topics, string>,
  In,
>(stage: MergedStage<Options, Topics, In>): (options: StageHostOptions & Options) => ProcessorHost {
  return (options) => {
    const { log, stateDir, nameSuffix, onError, ...processorOptions } = options;
    const topics = stage.topics(options.topics);
    const named = (roles: ReadonlyArray<keyof Topics> = []): string[] => roles.map((role) => topics[role]);
    const inputTopics = named(stage.inputs);
    const compacted = new Set(named(stage.compacted));
    const host = createProcessorHost({
      log,
      name: `${stage.name}${nameSuffix ?? ''}`,
      inputTopics,
      stateDir,
      layout: 'merged',
      processor: stage.processor({ ...processorOptions, topics } as unknown as Options),
      eventTime: { maxOutOfOrdernessMs: 0 },
      ...(onError === undefined ? {} : { onError }),
    });
    return {
      ...host,
      async start() {
        for (const topic of new Set([...inputTopics, ...named(stage.outputs)]))
          await log.createTopic(topic, compacted.has(topic) ? { compacted: true } : {});
        await host.start();
      },
    };
  };
}
