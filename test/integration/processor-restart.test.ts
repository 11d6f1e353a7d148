/**
 * A segments processor SIGKILLed mid-stream (twice) and restarted ends with exactly the outputs and state of
 * an uninterrupted run: the same set of output ids with the same values, the same memberships, sizes and
 * stored offsets. Runs over the embedded log and, when the global setup started one, a real Kafka broker.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MS,
  OUTPUT_ID_HEADER,
  createEmbeddedLog,
  createKafkaLog,
  openStateStore,
} from '../../processors/runtime/index.ts';
import type { Log, LogConsumer } from '../../processors/runtime/index.ts';
import { generateCleanEvents, readMemberships, readSegmentSizes } from '../../processors/segments/index.ts';
import { kafkaBrokers, uniqueName } from '../helpers/kafka.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { createRestartHost } from './restart-segments-host.ts';
import type { RestartChildConfig } from './restart-segments-host.ts';

const EVENTS = 4_000;
const PARTITIONS = 4;
const children: ChildProcess[] = [];
const logs: Log[] = [];
const readers: LogConsumer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  await Promise.all(readers.splice(0).map((reader) => reader.stop()));
  await Promise.all(logs.splice(0).map((log) => log.close()));
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

function startChild(config: RestartChildConfig): { child: ChildProcess; lines: Array<{ event: string }> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'processor-restart-child.ts'), JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const lines: Array<{ event: string }> = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as { event: string });
  });
  return { child, lines };
}

const exited = (child: ChildProcess): Promise<unknown> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', resolve));

const total = async (log: Log, topic: string): Promise<number> =>
  (await log.endOffsets(topic)).reduce((sum, end) => sum + end, 0);

/** Every message of a topic as [output id, value]. */
async function readAll(log: Log, topic: string): Promise<Array<[string, string]>> {
  const expected = await total(log, topic);
  const seen: Array<[string, string]> = [];
  const reader = log.consumer({
    groupId: uniqueName('restart-reader'),
    topics: [topic],
    fromBeginning: true,
  });
  readers.push(reader);
  await reader.run(async (batch) => {
    for (const record of batch.records) seen.push([record.headers[OUTPUT_ID_HEADER] ?? '', record.value]);
  });
  await waitFor(() => seen.length >= expected, { timeout: 60_000, message: `reading ${topic}` });
  return seen;
}

function stateOf(stateDir: string) {
  const stores = Array.from({ length: PARTITIONS }, (_, partition) =>
    openStateStore(join(stateDir, 'segments', `partition-${partition}.sqlite`)),
  );
  try {
    return {
      memberships: Object.fromEntries(readMemberships(stores)),
      sizes: readSegmentSizes(stores),
      offsets: stores.flatMap((store) => store.offsets()),
      timers: stores.reduce((sum, store) => sum + store.timerCount(), 0),
    };
  } finally {
    for (const store of stores) store.close();
  }
}

const brokers = kafkaBrokers();
const kinds = brokers ? (['embedded', 'kafka'] as const) : (['embedded'] as const);

describe.each(kinds)('segments processor killed with SIGKILL on the %s log', (kind) => {
  it('ends with the same output ids, values and state as an uninterrupted run', async () => {
    const dir = createTempDir('restart');
    dirs.push(dir);
    const name = uniqueName('restart');
    const logPath = join(dir, 'log.sqlite');
    const log =
      kind === 'kafka'
        ? createKafkaLog({ brokers: brokers!, clientId: uniqueName('restart-test') })
        : createEmbeddedLog({ path: logPath });
    logs.push(log);
    const topics = {
      events: `${name}.events`,
      consent: `${name}.consent`,
      outA: `${name}.out-a`,
      outB: `${name}.out-b`,
    };
    for (const topic of Object.values(topics)) await log.createTopic(topic, { partitions: PARTITIONS });

    const events = generateCleanEvents({
      seed: 20261130,
      count: EVENTS,
      subjects: 150,
      maxDisorderMs: 40 * MS.minute,
    });
    for (let start = 0; start < events.length; start += 500) {
      await log.produce(
        topics.events,
        events
          .slice(start, start + 500)
          .map((event) => ({ key: event.subjectId, value: JSON.stringify(event) })),
      );
    }

    const config = (stateDir: string, groupId: string, outputTopic: string): RestartChildConfig => ({
      ...(kind === 'kafka' ? { brokers: brokers! } : { logPath }),
      stateDir,
      groupId,
      eventsTopic: topics.events,
      consentTopic: topics.consent,
      outputTopic,
      sideTopicPrefix: `${name}.side-`,
    });

    // The uninterrupted run, in this process.
    const reference = config(join(dir, 'state-a'), uniqueName('restart-a'), topics.outA);
    const host = createRestartHost(log, reference);
    await host.start();
    await waitFor(() => host.caughtUp(), {
      timeout: 90_000,
      interval: 100,
      message: 'reference run caught up',
    });
    await host.stop();
    const referenceCount = await total(log, topics.outA);
    expect(referenceCount).toBeGreaterThan(100);

    // The killed run: SIGKILL after ~20% and ~60% of the outputs, then a run to the end.
    const killed = config(join(dir, 'state-b'), uniqueName('restart-b'), topics.outB);
    const killedAt: number[] = [];
    for (const fraction of [0.2, 0.6]) {
      const { child } = startChild(killed);
      await waitFor(async () => (await total(log, topics.outB)) >= fraction * referenceCount, {
        timeout: 90_000,
        interval: 5,
        message: `${fraction * 100}% of the outputs`,
      });
      child.kill('SIGKILL');
      await exited(child);
      killedAt.push(await total(log, topics.outB));
    }
    const last = startChild(killed);
    await waitFor(() => last.lines.some((line) => line.event === 'caught-up'), {
      timeout: 90_000,
      message: 'restarted run caught up',
    });
    last.child.kill('SIGTERM');
    await exited(last.child);

    const a = await readAll(log, topics.outA);
    const b = await readAll(log, topics.outB);
    const valuesA = new Map(a);
    const valuesB = new Map(b);
    // Re-sends after a kill carry ids already sent (recognisable duplicates); each id's value is identical.
    const resent = b.length - valuesB.size;
    console.log(
      `restart (${kind}): ${EVENTS} events, ${a.length} outputs; killed at ${killedAt.join(' and ')} outputs; ` +
        `${resent} re-sent duplicate(s) recognised by id`,
    );
    expect(killedAt[0]!).toBeLessThan(referenceCount);
    expect(a.length).toBe(valuesA.size);
    expect([...valuesB.keys()].sort()).toEqual([...valuesA.keys()].sort());
    for (const [id, value] of valuesA) expect(valuesB.get(id), id).toBe(value);
    expect(stateOf(killed.stateDir)).toEqual(stateOf(reference.stateDir));
  });
});
