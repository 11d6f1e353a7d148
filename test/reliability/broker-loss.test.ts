/**
 * Broker loss: the pipeline (its own process) and the gateway (its own process) run on a Kafka broker this
 * test starts for itself; mid-stream (after a first phase of input, every consumer live) the broker is stopped
 * for 20 s and started again on the same port and data. Both recover without help: after a second phase of
 * input every pipeline stage reports caught up and every consumer group of the pipeline has committed to the
 * end offsets (as the broker tells), `/readyz` goes false during the outage and true again, and a subscriber
 * that resumes from its cursor misses no signal and gets none twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import {
  brokerUnavailableReason,
  freePort,
  startBroker,
  stopBroker,
} from '../../scripts/kafka/broker-control.mjs';
import { loadOrCreateSecrets } from '../../policies/index.ts';
import { createKafkaLog } from '../../processors/runtime/index.ts';
import type { Log } from '../../processors/runtime/index.ts';
import { RAW_TOPICS } from '../../schema/index.ts';
import { simulate, writeToLog } from '../../simulator/index.ts';
import { brandContract, produceMembers } from '../gateway/support/harness.ts';
import { wsClient } from '../gateway/support/clients.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { killAllChildren, startChild } from './support/child-process.ts';
import { recordFigure } from './support/figures.ts';
import { describeGroup, groupCaughtUp, inspectGroups } from './support/kafka-groups.ts';
import type { GroupReport } from './support/kafka-groups.ts';
import { startGatewayProcess, tokenFor } from './support/gateway-process.ts';
import { createPipelineTopics } from '../../processors/index.ts';

const OUTAGE_MS = 20_000;
const EVENTS_PER_PHASE = 1_000;
const STRICT = process.env.CLEANROOM_RELIABILITY_STRICT === '1';
const CHANGES_PER_PHASE = 60;
const PIPELINE = join(import.meta.dirname, 'support', 'pipeline-child.ts');
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await killAllChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function readyz(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) })).status === 200;
  } catch {
    return false;
  }
}

/** The pipeline's groups that commit what they processed (a campaign feed's per-instance group never does). */
const isPipelineGroup = (groupId: string): boolean =>
  groupId.startsWith('cleanroom') && !groupId.startsWith('cleanroom.attribution-campaigns.');

/** The tail of a child's KafkaJS log: crashes, restarts, joins and recovered errors, for a failure message. */
function kafkaLogTail(file: string, lines = 25): string {
  if (!existsSync(file)) return '(none)';
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => !/"namespace":"(Connection|BrokerPool)"/.test(line))
    .slice(-lines)
    .map((line) => {
      const { at, level, namespace, message, fields } = JSON.parse(line) as Record<string, unknown> & {
        fields: Record<string, unknown>;
      };
      return `${new Date(Number(at)).toISOString()} ${String(level)} ${String(namespace)} ${String(message)} ${String(fields['groupId'] ?? '')}`;
    })
    .join('\n');
}

interface Signal {
  segmentId: string;
  pseudonym: string;
  action: string;
  cursor: string;
}

describe('a Kafka broker lost for 20 s mid-stream', () => {
  it('is survived by the pipeline, the gateway and a resuming subscriber without help', async () => {
    const unavailable = brokerUnavailableReason();
    expect(unavailable, 'a local Kafka broker can run here').toBeUndefined();
    const dir = createTempDir('broker-loss');
    const brokerDir = join(dir, 'broker');
    cleanups.push(async () => removeTempDir(dir));
    const port = await freePort();
    const broker = await startBroker({ port, dir: brokerDir, stopWithParent: process.pid });
    cleanups.push(async () => void (await stopBroker({ dir: brokerDir, graceMs: 2_000 })));

    const log: Log = createKafkaLog({ brokers: broker.brokers, clientId: 'reliability-broker-loss' });
    cleanups.push(() => log.close());
    await createPipelineTopics(log);
    loadOrCreateSecrets(dir);
    const pipelineDir = join(dir, 'pipeline');
    const pipelineKafkaLog = join(dir, 'pipeline-kafkajs.jsonl');
    const gatewayKafkaLog = join(dir, 'gateway-kafkajs.jsonl');
    const pipeline = startChild(PIPELINE, {
      brokers: broker.brokers,
      dataDir: pipelineDir,
      secretsDir: dir,
      kafkaLogFile: pipelineKafkaLog,
    });
    await pipeline.waitForLine('ready', { timeout: 120_000 });
    const gatewayDir = join(dir, 'gateway');
    const gateway = await startGatewayProcess({
      brokers: broker.brokers,
      dataDir: gatewayDir,
      groupId: 'reliability-gateway',
      kafkaLogFile: gatewayKafkaLog,
      contracts: [brandContract('brand-live', { segments: ['seg-plant', 'seg-warm'] })],
      // The subscriber stays away for the outage and its recovery (a minute or more): the gate's decision must
      // still be in force when it resumes, as with the host's default interval of an hour.
      activationIntervalSeconds: 600,
    });
    await waitFor(() => readyz(gateway.base), { timeout: 60_000, message: 'gateway ready' });

    // Signals flow only above the activation minimum (100 for these contracts): both segments start populated.
    const base = (segmentId: string) =>
      Array.from({ length: 150 }, (_, index) => `${segmentId}-base-${index}`);
    await produceMembers(log, 'seg-plant', base('seg-plant'));
    await produceMembers(log, 'seg-warm', base('seg-warm'));

    // A subscriber that resumes from its last cursor whenever its subscription ends.
    const token = await tokenFor(gatewayDir, 'brand-live', 'BRAND');
    const received: Signal[] = [];
    const resubscriptions: string[] = [];
    let client: Client | undefined;
    let closing = false;
    const subscribe = (): void => {
      client = wsClient(gateway.url, token);
      const after = received.at(-1)?.cursor;
      client.subscribe<{ audienceSignals: Signal }>(
        {
          query: `subscription ($after: String) { audienceSignals(segmentIds: ["seg-plant", "seg-warm"], after: $after) {
            segmentId pseudonym action cursor } }`,
          variables: after === undefined ? {} : { after },
        },
        {
          next: (message) => {
            if (message.data?.audienceSignals) received.push(message.data.audienceSignals);
          },
          error: (error) => {
            resubscriptions.push(String((error as Error).message ?? error));
            if (!closing) setTimeout(subscribe, 200);
          },
          complete: () => {
            if (!closing) setTimeout(subscribe, 200);
          },
        },
      );
    };
    subscribe();
    cleanups.push(async () => {
      closing = true;
      await client?.dispose();
    });

    let produced = 0;
    const entered = (): Signal[] => received.filter((signal) => signal.segmentId === 'seg-plant');
    let warmups = 0;
    /** Phase changes go to seg-plant; warm-ups (some sent before the subscription listened) to seg-warm. */
    const produceChanges = async (count: number, segmentId = 'seg-plant'): Promise<void> => {
      const subjects = Array.from({ length: count }, () => {
        if (segmentId === 'seg-plant') produced += 1;
        else warmups += 1;
        return `${segmentId}-${segmentId === 'seg-plant' ? produced : warmups}`;
      });
      await produceMembers(log, segmentId, subjects);
    };
    // The subscription is live once a change reaches it.
    await waitFor(
      async () => {
        if (received.length > 0) return true;
        await produceChanges(1, 'seg-warm');
        return false;
      },
      { timeout: 60_000, interval: 1_000, message: `subscriber live (${resubscriptions.join('; ')})` },
    );

    // Phase 1 and phase 2: raw events and segment changes, before and after the outage.
    const simulation = [
      ...simulate({ seed: 5, shoppers: 1_000, events: EVENTS_PER_PHASE * 2, malformedShare: 0 }),
    ];
    // Caught up is judged twice: by the child (every stage's stored offsets at the end offsets, after ingest read
    // `rawRecords`) and by the broker (every pipeline group committed up to the end of what it reads).
    const childCaughtUp = (rawRecords: number): boolean =>
      pipeline.lines.some(
        (line) =>
          line.event === 'caught-up' &&
          Number((line['ingest'] as { processed?: unknown } | undefined)?.processed) >= rawRecords,
      );
    let groupsNow: GroupReport[] = [];
    const groupsCaughtUp = async (groupIds?: string[]): Promise<boolean> => {
      groupsNow = await inspectGroups(broker.brokers, isPipelineGroup);
      const caughtUp = new Set(groupsNow.filter(groupCaughtUp).map(({ groupId }) => groupId));
      return (groupIds ?? groupsNow.map(({ groupId }) => groupId)).every((groupId) => caughtUp.has(groupId));
    };
    const notCaughtUp = (phase: string, rawRecords: number): string =>
      [
        `${phase} (child reported caught up: ${childCaughtUp(rawRecords)})`,
        `groups: ${groupsNow.map(describeGroup).join('; ')}`,
        `last stage errors: ${JSON.stringify(pipeline.lines.filter((line) => line.event === 'stage-error').slice(-3))}`,
        `pipeline kafkajs:\n${kafkaLogTail(pipelineKafkaLog)}`,
        `gateway kafkajs:\n${kafkaLogTail(gatewayKafkaLog)}`,
      ].join('\n');
    // Every consumer group of the pipeline (all joined before `ready`); each must read to the end after the outage.
    await groupsCaughtUp();
    const groupsBefore = groupsNow.map(({ groupId }) => groupId);
    expect(groupsBefore).toContain('cleanroom-ingest');

    // Phase 1 flows, the subscriber gets every phase-1 signal and the pipeline catches up; then the broker goes
    // with every consumer live. With CLEANROOM_RELIABILITY_STRICT=1 it goes while the pipeline is still at work
    // on phase 1 instead, which meets a known ingest fault (docs/reliability.md, fault 13).
    const ingested = (): number =>
      Number(pipeline.lines.findLast((line) => line.event === 'progress')?.['processed'] ?? 0);
    await writeToLog(log, simulation.slice(0, EVENTS_PER_PHASE));
    await produceChanges(CHANGES_PER_PHASE);
    await waitFor(
      async () =>
        entered().length >= produced &&
        (STRICT ? ingested() > 0 : (await groupsCaughtUp(groupsBefore)) && childCaughtUp(EVENTS_PER_PHASE)),
      {
        timeout: 120_000,
        interval: 100,
        get message() {
          return notCaughtUp('phase 1 processed', EVENTS_PER_PHASE);
        },
      },
    );
    const ingestedAtStop = ingested();

    // The outage. The subscriber drops too, and comes back only after phase 2 with its last cursor.
    closing = true;
    await client?.dispose();
    const cursorBeforeOutage = received.at(-1)?.cursor;
    const stoppedAt = performance.now();
    await stopBroker({ dir: brokerDir, keepFiles: true, graceMs: 5_000 });
    await waitFor(async () => !(await readyz(gateway.base)), { timeout: 15_000, message: '/readyz false' });
    const notReadyAfterMs = performance.now() - stoppedAt;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, OUTAGE_MS - (performance.now() - stoppedAt))),
    );
    const restartedAt = performance.now();
    await startBroker({ port, dir: brokerDir, keepData: true, stopWithParent: process.pid });
    const brokerBackMs = performance.now() - restartedAt;

    // Phase 2: more input after the broker is back; everything recovers by itself.
    await waitFor(() => readyz(gateway.base), {
      timeout: 120_000,
      interval: 250,
      message: '/readyz true again',
    });
    const readyAgainMs = performance.now() - restartedAt;
    await writeToLog(log, simulation.slice(EVENTS_PER_PHASE));
    await produceChanges(CHANGES_PER_PHASE);
    await waitFor(async () => (await groupsCaughtUp(groupsBefore)) && childCaughtUp(2 * EVENTS_PER_PHASE), {
      timeout: 180_000,
      interval: 250,
      get message() {
        return notCaughtUp('pipeline caught up after the outage', 2 * EVENTS_PER_PHASE);
      },
    });
    const pipelineRecoveredMs = performance.now() - restartedAt;
    await waitFor(() => readyz(gateway.base), { timeout: 60_000, message: 'gateway ready after phase 2' });
    closing = false;
    subscribe();
    await waitFor(() => entered().length >= produced, {
      timeout: 120_000,
      interval: 100,
      get message() {
        return `every signal delivered (${entered().length} of ${produced})\ngateway kafkajs:\n${kafkaLogTail(gatewayKafkaLog)}`;
      },
    });

    // Nothing missed, nothing twice: one signal per change produced.
    const pseudonyms = entered().map((signal) => signal.pseudonym);
    expect(new Set(pseudonyms).size).toBe(pseudonyms.length);
    expect(entered().length).toBe(produced);
    expect(cursorBeforeOutage).toBeDefined();
    const rawRecords = await Promise.all(
      Object.values(RAW_TOPICS).map(async (topic) =>
        (await log.endOffsets(topic)).reduce((a, b) => a + b, 0),
      ),
    );
    expect(rawRecords.reduce((a, b) => a + b, 0)).toBe(EVENTS_PER_PHASE * 2);
    expect(gateway.child.process.exitCode).toBeNull();
    expect(pipeline.process.exitCode).toBeNull();

    recordFigure('broker-loss', {
      outageMs: OUTAGE_MS,
      readyzFalseAfterStopMs: Math.round(notReadyAfterMs),
      brokerRestartMs: Math.round(brokerBackMs),
      readyzTrueAfterRestartMs: Math.round(readyAgainMs),
      pipelineCaughtUpAfterRestartMs: Math.round(pipelineRecoveredMs),
      rawRecords: 2 * EVENTS_PER_PHASE,
      ingestedAtStop,
      signals: received.length,
      resubscriptions: resubscriptions.length,
    });
  }, 480_000);
});
