/**
 * Subscriptions: produce-to-receive latency of `audienceSignals` for 1, 100 and 1,000 graphql-ws subscribers on
 * one gateway, embedded and on Kafka, and memory per subscriber. The clients (one WebSocket each) run in a child
 * process (subscriber-child.ts), so the gateway's RSS and heap growth per subscriber are the gateway's own.
 * Latency = receive time in the child - the change's `at`, stamped at produce time (same machine clock).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createKafkaLog } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { TOPICS } from '../../../schema/index.ts';
import { percentile, summarize } from '../../stats.ts';
import type { Figure, Suite, SuiteContext } from '../../types.ts';
import { figure, notMeasured, reasonOf } from '../support/figures.ts';
import { forceGc } from '../support/gc.ts';
import { pause, waitUntil } from '../support/wait.ts';
import { BENCH_SEGMENT, fillReadModels, startBenchGateway } from '../queries/gateway-fixture.ts';
import { consentChange } from '../../../test/gateway/support/harness.ts';

const SUITE = 'subscriptions';
const CHILD = fileURLToPath(new URL('./subscriber-child.ts', import.meta.url));
const SUBSCRIBERS = [1, 100, 1_000] as const;
/** Signals are produced 10 per second: with 1,000 subscribers the gateway pushes 10,000 messages/s. */
const SIGNAL_SPACING_MS = 100;
/** The quick smoke run leaves out 1,000 subscribers on Kafka (connecting them costs ~15 s). */
const QUICK_KAFKA_SUBSCRIBERS = [1, 100] as const;
const SUBSCRIPTION = `subscription { audienceSignals(segmentIds: ["${BENCH_SEGMENT}"]) { segmentId pseudonym action at cursor } }`;

let subjectSequence = 0;

/** `BENCH_CPU_PROF_DIR=<dir>` profiles the subscriber child too (`node --cpu-prof` is refused in NODE_OPTIONS). */
function childProfileFlags(): string[] {
  const dir = process.env['BENCH_CPU_PROF_DIR'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** One new member of the bench segment, described first by a consent record with partner sharing (as ingest does). */
async function produceSignal(log: Log): Promise<void> {
  subjectSequence += 1;
  const subjectId = `sub-bench-${subjectSequence}`;
  await log.produce(TOPICS.consent, [
    { key: subjectId, value: JSON.stringify(consentChange(subjectId, true)) },
  ]);
  const change = {
    changeId: `seg:${BENCH_SEGMENT}:${subjectId}:1`,
    segmentId: BENCH_SEGMENT,
    subjectId,
    action: 'entered',
    at: new Date().toISOString(),
    cause: 'event',
    segmentSize: subjectSequence,
    partnerSharing: true,
  };
  await log.produce(TOPICS.segmentChanges, [{ key: subjectId, value: JSON.stringify(change) }]);
}

interface Measured {
  latencies: number[];
  rssPerSubscriberBytes: number;
  heapPerSubscriberBytes: number;
}

async function measureSubscribers(
  url: string,
  token: string,
  log: Log,
  subscribers: number,
  signals: number,
): Promise<Measured> {
  const child = spawn(
    process.execPath,
    [
      ...childProfileFlags(),
      '--import',
      'tsx',
      CHILD,
      JSON.stringify({ url, token, subscribers, signals, query: SUBSCRIPTION }),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const events: Array<{ event: string; latencies?: number[]; message?: string }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) events.push(JSON.parse(line) as (typeof events)[number]);
  });
  const has = (event: string) => events.find((entry) => entry.event === event);
  const send = (command: object) => child.stdin.write(`${JSON.stringify(command)}\n`);
  forceGc();
  const before = process.memoryUsage();
  try {
    // Warm-up signals until every subscriber is live.
    await waitUntil(
      async () => {
        if (has('live')) return true;
        const failed = has('error');
        if (failed) throw new Error(`a subscriber failed: ${failed.message}`);
        await produceSignal(log);
        return false;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        message: `${subscribers} subscribers did not all receive a signal`,
      },
    );
    forceGc();
    const after = process.memoryUsage();
    send({ measureFrom: Date.now() });
    await waitUntil(() => Boolean(has('measuring')), {
      timeoutMs: 10_000,
      message: 'the subscriber child did not answer',
    });
    for (let sent = 0; sent < signals; sent += 1) {
      await produceSignal(log);
      await pause(SIGNAL_SPACING_MS);
    }
    await waitUntil(() => Boolean(has('done')), {
      timeoutMs: 60_000,
      message: 'not every subscriber received every signal',
    });
    return {
      latencies: has('done')?.latencies ?? [],
      rssPerSubscriberBytes: (after.rss - before.rss) / subscribers,
      heapPerSubscriberBytes: (after.heapUsed - before.heapUsed) / subscribers,
    };
  } finally {
    send({ stop: true });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await Promise.race([exited, pause(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function runOn(kind: 'embedded' | 'kafka', context: SuiteContext): Promise<Figure[]> {
  const figures: Figure[] = [];
  const dir = fs.mkdtempSync(path.join(context.workDir, `subscriptions-${kind}-`));
  const kafkaLog =
    kind === 'kafka'
      ? createKafkaLog({ brokers: context.kafkaBrokers ?? '', clientId: 'cleanroom-bench-subscriptions' })
      : undefined;
  const signals = context.quick ? 10 : 30;
  try {
    const bench = await startBenchGateway(dir, {
      maxSubscriptions: 10_000,
      ...(kafkaLog ? { log: kafkaLog, groupId: `bench-gateway-${Date.now().toString(36)}` } : {}),
    });
    try {
      // Signals flow only while the segment is above the activation minimum (100 by the host's default).
      await fillReadModels(bench.log, 500, 1);
      for (const subscribers of kind === 'kafka' && context.quick ? QUICK_KAFKA_SUBSCRIBERS : SUBSCRIBERS) {
        const p50: number[] = [];
        const p99: number[] = [];
        const memory: number[] = [];
        const heap: number[] = [];
        for (let rep = 0; rep < (context.quick || subscribers >= 1_000 ? 1 : 2); rep += 1) {
          const measured = await measureSubscribers(
            bench.url,
            bench.brandToken,
            bench.log,
            subscribers,
            signals,
          );
          p50.push(percentile(measured.latencies, 50));
          p99.push(percentile(measured.latencies, 99));
          memory.push(measured.rssPerSubscriberBytes / 1024);
          heap.push(measured.heapPerSubscriberBytes / 1024);
        }
        context.progress(`    ${kind}, ${subscribers} subscribers: p99 ${p99.join(', ')} ms`);
        const limit = kind === 'kafka' ? 150 : 50;
        figures.push(
          figure(SUITE, `${kind}: produce-to-receive p50, ${subscribers} subscribers`, 'ms', summarize(p50)),
          figure(SUITE, `${kind}: produce-to-receive p99, ${subscribers} subscribers`, 'ms', summarize(p99), {
            ...(subscribers === 1_000
              ? { target: { text: `p99 < ${limit} ms with 1,000 subscribers`, atMost: limit } }
              : {}),
          }),
        );
        if (subscribers > 1) {
          figures.push(
            figure(
              SUITE,
              `${kind}: RSS per subscriber, ${subscribers} subscribers`,
              'KiB',
              summarize(memory),
              {
                note: 'gateway process only (clients in a child process)',
              },
            ),
            figure(
              SUITE,
              `${kind}: JS heap per subscriber, ${subscribers} subscribers`,
              'KiB',
              summarize(heap),
              {
                note: 'after a full GC; gateway process only',
              },
            ),
          );
        }
      }
    } finally {
      await bench.close();
    }
  } catch (error) {
    figures.push(notMeasured(SUITE, `${kind}: produce-to-receive latency`, 'ms', reasonOf(error)));
  } finally {
    await kafkaLog?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

export const subscriptionsSuite: Suite = {
  name: SUITE,
  async run(context) {
    // An error the gateway throws outside any request (e.g. while a subscriber disconnects) would end the whole
    // bench; it is recorded and reported as a row instead, and the handler removed afterwards.
    const escaped: string[] = [];
    const onEscaped = (error: unknown): void => void escaped.push(reasonOf(error));
    process.on('uncaughtException', onEscaped);
    const figures: Figure[] = [];
    try {
      figures.push(...(await runOn('embedded', context)));
      if (context.kafkaBrokers) figures.push(...(await runOn('kafka', context)));
    } finally {
      process.off('uncaughtException', onEscaped);
    }
    if (escaped.length > 0) {
      figures.push(
        notMeasured(SUITE, 'gateway errors outside requests', 'errors', `${escaped.length} x ${escaped[0]}`),
      );
    }
    if (!context.kafkaBrokers)
      figures.push(
        notMeasured(
          SUITE,
          'kafka: produce-to-receive latency',
          'ms',
          'no Kafka broker in this run',
          'p99 < 150 ms',
        ),
      );
    return { figures };
  },
};
