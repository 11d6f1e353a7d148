/** Both stages of the triggers pipeline as processor hosts with consistent settings. */
import { MS, createProcessorHost } from '../runtime/index.ts';
import type { Log, Processor, ProcessorHost } from '../runtime/index.ts';
import { DEMAND_INPUT_TOPIC, DEMAND_TOPIC, createDemandRepartitioner } from './demand.ts';
import type { DemandRepartitionerOptions } from './demand.ts';
import { TRIGGER_DEFAULTS, createTriggerProcessor } from './trigger-processor.ts';
import type { TriggerOptions } from './trigger-processor.ts';

/** Options of {@link createTriggerHosts}. */
export interface TriggerHostsOptions {
  log: Log;
  stateDir: string;
  /** 32-byte key of the trigger noise (`deriveNoiseKey(hostSecret, 'trigger-noise')`); never logged. */
  noiseKey: Uint8Array;
  /** Decision and privacy settings; the per-buyer clamps apply to both stages. */
  trigger?: TriggerOptions;
  /** Out-of-orderness of `cleanroom.events` within a partition (default 5 minutes). */
  maxOutOfOrdernessMs?: number;
  /** Purchases this far behind the watermark still count (default 0); windows close this much later. */
  allowedLatenessMs?: number;
  /** Processing-time idle timeout of stage 1 partitions (default 0 = off; see processor-host.ts). */
  idleTimeoutMs?: number;
  inputTopic?: string;
  demandTopic?: string;
  /** Side-output topics of both stages. */
  sideTopics?: { lateEvents?: string; deadLetter?: string };
  /** Suffix of the processor names (and so of group ids and state folders), e.g. for tests. */
  nameSuffix?: string;
}

/** The two hosts; start and stop them together. */
export interface TriggerHosts {
  /** Stage 1: events -> demand-by-region. */
  readonly repartition: ProcessorHost;
  trigger: ProcessorHost;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Create stage 1 (`triggers-demand`: events -> demand-by-region) and stage 2 (`triggers`: demand ->
 * cleanroom.triggers) over one log. Partition counts are read from the log at start.
 *
 * @example
 * const noiseKey = deriveNoiseKey(secrets.hostSecret, 'trigger-noise');
 * const hosts = createTriggerHosts({ log, stateDir: './data/state', noiseKey, trigger: { liftThreshold: 2 } });
 * await hosts.start();
 */
export function createTriggerHosts(options: TriggerHostsOptions): TriggerHosts {
  const inputTopic = options.inputTopic ?? DEMAND_INPUT_TOPIC;
  const demandTopic = options.demandTopic ?? DEMAND_TOPIC;
  // Partition counts are read from the log in start(); the processor reads these options when it runs.
  const demandOptions: DemandRepartitionerOptions = {
    ...stageOneBase(options, options.trigger?.windowMs, demandTopic),
    maxUnitsPerBuyer: options.trigger?.maxUnitsPerBuyer ?? TRIGGER_DEFAULTS.maxUnitsPerBuyer,
    maxCategoriesPerBuyer: options.trigger?.maxCategoriesPerBuyer ?? TRIGGER_DEFAULTS.maxCategoriesPerBuyer,
  };
  return createTwoStageHosts(options, {
    names: ['triggers-demand', 'triggers'],
    inputTopic,
    repartitionTopic: demandTopic,
    stageOneOptions: demandOptions,
    repartitioner: createDemandRepartitioner(demandOptions),
    judge: createTriggerProcessor({ ...options.trigger, noiseKey: options.noiseKey }),
  });
}

/** Stage 1's options that both trigger pipelines share; the partition counts are filled in at start. */
export function stageOneBase(
  options: Pick<TriggerHostsOptions, 'allowedLatenessMs'>,
  windowMs: number | undefined,
  outputTopic: string,
): {
  inputPartitions: number;
  demandPartitions: number;
  windowMs: number;
  allowedLatenessMs: number;
  outputTopic: string;
} {
  return {
    inputPartitions: 0,
    demandPartitions: 0,
    windowMs: windowMs ?? MS.hour,
    allowedLatenessMs: options.allowedLatenessMs ?? 0,
    outputTopic,
  };
}

/** What two trigger pipelines (demand, foot traffic) have in common: where and how their stages run. */
export type TwoStageCommonOptions = Pick<
  TriggerHostsOptions,
  | 'log'
  | 'stateDir'
  | 'maxOutOfOrdernessMs'
  | 'allowedLatenessMs'
  | 'idleTimeoutMs'
  | 'sideTopics'
  | 'nameSuffix'
>;

/** What differs: the stages' names and topics, and their processors. */
export interface TwoStageSpec<In1, In2> {
  /** Stage 1 (repartition) and stage 2 (judge) processor names (the options' `nameSuffix` is appended). */
  names: [string, string];
  inputTopic: string;
  repartitionTopic: string;
  /** Stage 1's options object, whose partition counts are filled in from the log at start. */
  stageOneOptions: { inputPartitions: number; demandPartitions: number };
  repartitioner: Processor<In1>;
  judge: Processor<In2>;
}

/**
 * Stage 1 (input -> cells by region, event time with the input's out-of-orderness) and stage 2 (cells ->
 * cleanroom.triggers, in order) over one log; start() creates both topics and reads their partition counts.
 */
export function createTwoStageHosts<In1, In2>(
  options: TwoStageCommonOptions,
  spec: TwoStageSpec<In1, In2>,
): TriggerHosts {
  const stage = <In>(
    name: string,
    topic: string,
    processor: Processor<In>,
    eventTime: { maxOutOfOrdernessMs: number; allowedLatenessMs?: number },
    idleTimeoutMs?: number,
  ): ProcessorHost =>
    createProcessorHost({
      log: options.log,
      name: `${name}${options.nameSuffix ?? ''}`,
      inputTopics: [topic],
      stateDir: options.stateDir,
      processor,
      eventTime,
      ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
      ...(options.sideTopics ? { sideTopics: options.sideTopics } : {}),
    });
  const repartition = stage(
    spec.names[0],
    spec.inputTopic,
    spec.repartitioner,
    {
      maxOutOfOrdernessMs: options.maxOutOfOrdernessMs ?? 5 * MS.minute,
      allowedLatenessMs: options.allowedLatenessMs ?? 0,
    },
    options.idleTimeoutMs,
  );
  const trigger = stage(spec.names[1], spec.repartitionTopic, spec.judge, { maxOutOfOrdernessMs: 0 });
  return {
    repartition,
    trigger,
    async start() {
      await options.log.createTopic(spec.inputTopic);
      await options.log.createTopic(spec.repartitionTopic);
      spec.stageOneOptions.inputPartitions = await options.log.partitionsFor(spec.inputTopic);
      spec.stageOneOptions.demandPartitions = await options.log.partitionsFor(spec.repartitionTopic);
      await trigger.start();
      await repartition.start();
    },
    async stop() {
      await repartition.stop();
      await trigger.stop();
    },
  };
}
