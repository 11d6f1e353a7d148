/** Both stages of the triggers pipeline as processor hosts with consistent settings. */
import { MS, createProcessorHost } from '../runtime/index.ts';
import type { Log, ProcessorHost } from '../runtime/index.ts';
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
  const suffix = options.nameSuffix ?? '';
  const inputTopic = options.inputTopic ?? DEMAND_INPUT_TOPIC;
  const demandTopic = options.demandTopic ?? DEMAND_TOPIC;
  const allowedLatenessMs = options.allowedLatenessMs ?? 0;
  const sideTopics = options.sideTopics ? { sideTopics: options.sideTopics } : {};
  // Partition counts are read from the log in start(); the processor reads these options when it runs.
  const demandOptions: DemandRepartitionerOptions = {
    inputPartitions: 0,
    demandPartitions: 0,
    windowMs: options.trigger?.windowMs ?? MS.hour,
    allowedLatenessMs,
    maxUnitsPerBuyer: options.trigger?.maxUnitsPerBuyer ?? TRIGGER_DEFAULTS.maxUnitsPerBuyer,
    maxCategoriesPerBuyer: options.trigger?.maxCategoriesPerBuyer ?? TRIGGER_DEFAULTS.maxCategoriesPerBuyer,
    outputTopic: demandTopic,
  };
  const repartition = createProcessorHost({
    log: options.log,
    name: `triggers-demand${suffix}`,
    inputTopics: [inputTopic],
    stateDir: options.stateDir,
    processor: createDemandRepartitioner(demandOptions),
    eventTime: { maxOutOfOrdernessMs: options.maxOutOfOrdernessMs ?? 5 * MS.minute, allowedLatenessMs },
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...sideTopics,
  });
  const trigger = createProcessorHost({
    log: options.log,
    name: `triggers${suffix}`,
    inputTopics: [demandTopic],
    stateDir: options.stateDir,
    processor: createTriggerProcessor({ ...options.trigger, noiseKey: options.noiseKey }),
    eventTime: { maxOutOfOrdernessMs: 0 },
    ...sideTopics,
  });
  return {
    repartition,
    trigger,
    async start() {
      await options.log.createTopic(inputTopic);
      await options.log.createTopic(demandTopic);
      demandOptions.inputPartitions = await options.log.partitionsFor(inputTopic);
      demandOptions.demandPartitions = await options.log.partitionsFor(demandTopic);
      await trigger.start();
      await repartition.start();
    },
    async stop() {
      await repartition.stop();
      await trigger.stop();
    },
  };
}
