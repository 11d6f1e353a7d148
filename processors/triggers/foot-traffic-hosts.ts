/** Both foot-traffic stages as processor hosts with consistent settings (as trigger-hosts.ts for demand). */
import type { Log } from '../runtime/index.ts';
import {
  FOOT_TRAFFIC_INPUT_TOPIC,
  FOOT_TRAFFIC_TOPIC,
  createFootTrafficProcessor,
  createFootTrafficRepartitioner,
} from './foot-traffic.ts';
import type { FootTrafficOptions, FootTrafficRepartitionerOptions } from './foot-traffic.ts';
import { createTwoStageHosts, stageOneBase } from './trigger-hosts.ts';
import type { TriggerHosts } from './trigger-hosts.ts';

/** Options of {@link createFootTrafficHosts}. */
export interface FootTrafficHostsOptions {
  log: Log;
  stateDir: string;
  /** 32-byte key of the noise (`deriveNoiseKey(hostSecret, 'foot-traffic-noise')`); never logged. */
  noiseKey: Uint8Array;
  /** Decision and privacy settings; the per-record clamp applies to stage 1. */
  footTraffic?: FootTrafficOptions;
  /** Out-of-orderness of `cleanroom.instore` within a partition (default 5 minutes). */
  maxOutOfOrdernessMs?: number;
  /** Records this far behind the watermark still count (default 0); windows close this much later. */
  allowedLatenessMs?: number;
  /** Processing-time idle timeout of stage 1 partitions (default 0 = off; see processor-host.ts). */
  idleTimeoutMs?: number;
  inputTopic?: string;
  repartitionTopic?: string;
  /** Side-output topics of both stages. */
  sideTopics?: { lateEvents?: string; deadLetter?: string };
  /** Suffix of the processor names (and so of group ids and state folders), e.g. for tests. */
  nameSuffix?: string;
}

/**
 * Create stage 1 (`foot-traffic-entries`: instore -> foot-traffic-by-region) and stage 2 (`foot-traffic`:
 * -> cleanroom.triggers) over one log. Partition counts are read from the log at start.
 *
 * @example
 * const noiseKey = deriveNoiseKey(secrets.hostSecret, 'foot-traffic-noise');
 * const hosts = createFootTrafficHosts({ log, stateDir: './data/state', noiseKey });
 * await hosts.start();
 */
export function createFootTrafficHosts(options: FootTrafficHostsOptions): TriggerHosts {
  const inputTopic = options.inputTopic ?? FOOT_TRAFFIC_INPUT_TOPIC;
  const repartitionTopic = options.repartitionTopic ?? FOOT_TRAFFIC_TOPIC;
  const stageOneOptions: FootTrafficRepartitionerOptions = {
    ...stageOneBase(options, options.footTraffic?.windowMs, repartitionTopic),
    ...(options.footTraffic?.maxEntriesPerRecord === undefined
      ? {}
      : { maxEntriesPerRecord: options.footTraffic.maxEntriesPerRecord }),
  };
  return createTwoStageHosts(options, {
    names: ['foot-traffic-entries', 'foot-traffic'],
    inputTopic,
    repartitionTopic,
    stageOneOptions,
    repartitioner: createFootTrafficRepartitioner(stageOneOptions),
    judge: createFootTrafficProcessor({ ...options.footTraffic, noiseKey: options.noiseKey }),
  });
}
