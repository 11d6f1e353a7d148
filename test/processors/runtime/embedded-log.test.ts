/** What only the embedded log promises: a file that survives reopening, and processes sharing that file. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedLog, LogError } from '../../../processors/runtime/index.ts';
import type { Log, LogRecord } from '../../../processors/runtime/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const logs: Log[] = [];
const dirs: string[] = [];
const children: ChildProcess[] = [];

function logFile(): string {
  const dir = createTempDir('embedded-log');
  dirs.push(dir);
  return join(dir, 'log.sqlite');
}

function open(path: string): Log {
  const log = createEmbeddedLog({ path });
  logs.push(log);
  return log;
}

interface ChildEvent {
  event: 'ready' | 'assigned' | 'revoked' | 'record';
  partition?: number;
  value?: string;
}

function startChild(
  path: string,
  groupId: string,
  topic: string,
): { child: ChildProcess; events: ChildEvent[] } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, '../../helpers/embedded-log-child.ts'),
      path,
      groupId,
      topic,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const events: ChildEvent[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as ChildEvent);
  });
  return { child, events };
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  await Promise.all(logs.splice(0).map((log) => log.close()));
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

describe('embedded log', () => {
  it('keeps messages, offsets and committed offsets across a reopen', async () => {
    const path = logFile();
    const first = open(path);
    await first.createTopic('orders', { partitions: 3, compacted: true });
    await first.produce(
      'orders',
      Array.from({ length: 30 }, (_, index) => ({ key: `k${index}`, value: `v${index}` })),
    );
    const seen: LogRecord[] = [];
    await first
      .consumer({ groupId: 'g', topics: ['orders'] })
      .run(async (batch) => void seen.push(...batch.records));
    await waitFor(
      async () => (await first.committedOffsets('g', 'orders')).reduce((a, b) => a + b, 0) === 30,
    );
    const ends = await first.endOffsets('orders');
    await first.close();

    const second = open(path);
    expect(await second.partitionsFor('orders')).toBe(3);
    expect(await second.endOffsets('orders')).toEqual(ends);
    expect(await second.committedOffsets('g', 'orders')).toEqual(ends);
    await second.produce('orders', [{ key: 'k0', value: 'after-reopen' }]);
    const resumed: LogRecord[] = [];
    await second
      .consumer({ groupId: 'g', topics: ['orders'] })
      .run(async (batch) => void resumed.push(...batch.records));
    await waitFor(() => resumed.length === 1);
    expect(resumed[0]!.value).toBe('after-reopen');
    const replay: LogRecord[] = [];
    await second
      .consumer({ groupId: 'replay', topics: ['orders'] })
      .run(async (batch) => void replay.push(...batch.records));
    await waitFor(() => replay.length === 31);
    expect(new Set(replay.map((record) => record.value))).toEqual(
      new Set([...seen.map((r) => r.value), 'after-reopen']),
    );
  });

  it('wakes a consumer of another handle on the same file', async () => {
    const path = logFile();
    const writer = open(path);
    const reader = open(path);
    const seen: string[] = [];
    await reader
      .consumer({ groupId: 'g', topics: ['t'], fromBeginning: false })
      .run(async (batch) => void seen.push(...batch.records.map((record) => record.value)));
    await writer.produce('t', [{ key: 'a', value: 'hello' }]);
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(['hello']);
  });

  it('refuses work once closed', async () => {
    const log = createEmbeddedLog({ path: logFile() });
    await log.close();
    await expect(log.produce('t', [{ key: null, value: 'x' }])).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(log.produce('t', [{ key: null, value: 'x' }])).rejects.toBeInstanceOf(LogError);
    expect(await log.ping()).toBe(false);
  });

  it('rejects a partition the topic does not have, writing nothing', async () => {
    const log = open(logFile());
    await log.createTopic('t', { partitions: 2 });
    await expect(
      log.produce('t', [
        { key: null, value: 'ok', partition: 0 },
        { key: null, value: 'bad', partition: 9 },
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', topic: 't', partition: 9 });
    expect(await log.endOffsets('t')).toEqual([0, 0]);
  });

  it('splits partitions with a consumer in another process and takes them back when it is killed', async () => {
    const path = logFile();
    const log = open(path);
    await log.createTopic('shared', { partitions: 4 });
    const mine: LogRecord[] = [];
    const consumer = log.consumer({ groupId: 'g', topics: ['shared'] });
    await consumer.run(async (batch) => void mine.push(...batch.records));
    expect(consumer.assignments()).toHaveLength(4);

    const { child, events } = startChild(path, 'g', 'shared');
    await waitFor(() => events.some((event) => event.event === 'ready'), { timeout: 30_000 });
    await waitFor(() => consumer.assignments().length === 2, { timeout: 15_000 });
    await log.produce(
      'shared',
      Array.from({ length: 100 }, (_, index) => ({ key: `key-${index}`, value: String(index) })),
    );
    const childRecords = (): ChildEvent[] => events.filter((event) => event.event === 'record');
    await waitFor(() => mine.length + childRecords().length === 100, { timeout: 15_000 });
    const myPartitions = new Set(consumer.assignments().map((tp) => tp.partition));
    expect(mine.every((record) => myPartitions.has(record.partition))).toBe(true);
    expect(childRecords().every((event) => !myPartitions.has(event.partition!))).toBe(true);
    expect(childRecords().length).toBeGreaterThan(0);

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => consumer.assignments().length === 4, { timeout: 15_000 });
    await log.produce(
      'shared',
      Array.from({ length: 20 }, (_, index) => ({ key: `late-${index}`, value: `late-${index}` })),
    );
    await waitFor(() => mine.filter((record) => record.value.startsWith('late-')).length === 20, {
      timeout: 15_000,
    });
  });
});
