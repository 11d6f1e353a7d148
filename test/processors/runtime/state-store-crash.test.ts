/**
 * A state store killed with SIGKILL keeps exactly its committed transactions: a child process writes
 * transactions (hundreds of rows, a timer, an offset, meta and an outbox entry each, plus a savepoint that
 * throws) until it is killed, or kills itself in the middle of one; reopened, the file holds every committed
 * transaction whole and nothing of the one in flight.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore } from '../../../processors/runtime/index.ts';
import type { StateStore } from '../../../processors/runtime/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const STATE_STORE = fileURLToPath(
  new URL('../../../processors/runtime/state/state-store.ts', import.meta.url),
);
const ROWS_PER_TRANSACTION = 200;

/** The child: `node --import tsx -e CHILD <state-store.ts> <file> <loop|inside>`. */
const CHILD = `
const [modulePath, file, mode] = process.argv.slice(1);
const { openStateStore } = await import(modulePath);
const store = openStateStore(file);
const writeOne = () => {
  const count = store.get('counter', 'n') ?? 0;
  store.put('counter', 'n', count + 1);
  for (let row = 0; row < ${ROWS_PER_TRANSACTION}; row += 1) store.put('rows', count + ':' + row, { count, row });
  store.setOffset('in', 0, count + 1);
  store.setMeta('count', count + 1);
  store.registerTimer({ time: count, key: 'timers', name: 'n' });
  store.appendOutbox({ topic: 'out', key: null, value: String(count), outputId: 'o' + count, partition: null });
  try {
    store.savepoint(() => {
      store.put('undone', 'x', count);
      store.registerTimer({ time: -1, key: 'undone', name: 'x' });
      throw new Error('undone');
    });
  } catch {}
  return count + 1;
};
if (mode === 'inside') {
  store.transaction(writeOne);
  process.stdout.write('committed 1\\n');
  store.transaction(() => {
    writeOne();
    store.deleteKey('rows');
    store.cancelTimer({ time: 0, key: 'timers', name: 'n' });
    process.kill(process.pid, 'SIGKILL');
  });
} else {
  for (;;) {
    const count = store.transaction(writeOne);
    if (count % 4 === 0) store.confirmOutbox(count - 2);
    if (count % 10 === 0) process.stdout.write('committed ' + count + '\\n');
  }
}
`;

const dirs: string[] = [];
const children: ChildProcess[] = [];
const stores: StateStore[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

/** Start the child; resolves its exit and the highest count it reported committed. */
function startChild(file: string, mode: 'loop' | 'inside') {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', CHILD, STATE_STORE, file, mode],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  let reported = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString('utf8').matchAll(/committed (\d+)/g)) reported = Number(match[1]);
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  return { child, exited, reported: () => reported };
}

/** What the reopened file holds must be whole transactions: returns how many. */
function expectWholeTransactions(file: string): number {
  const store = openStateStore(file);
  stores.push(store);
  const count = store.get<number>('counter', 'n') ?? 0;
  expect(store.getMeta('count')).toBe(count);
  expect(store.offsets()).toEqual([{ topic: 'in', partition: 0, offset: count }]);
  expect(store.names('rows')).toHaveLength(count * ROWS_PER_TRANSACTION);
  expect(store.keys()).toEqual(['counter', 'rows']);
  expect(store.timerCount()).toBe(count);
  expect(store.nextDueTimer(Number.POSITIVE_INFINITY)).toEqual({ time: 0, key: 'timers', name: 'n' });
  const pending = store.pendingOutbox();
  expect(pending.at(-1)).toMatchObject({ sequence: count, outputId: `o${count - 1}` });
  expect(pending.map((entry) => entry.sequence)).toEqual(
    pending.map((_, index) => count - pending.length + 1 + index),
  );
  return count;
}

describe('state store: SIGKILL', () => {
  it('keeps every committed transaction whole when killed at any moment', async () => {
    const dir = createTempDir('state-store-crash');
    dirs.push(dir);
    const file = path.join(dir, 'partition-0.sqlite');
    let committed = 0;
    for (let kill = 0; kill < 5; kill += 1) {
      const running = startChild(file, 'loop');
      await waitFor(() => running.reported() >= committed + 30, {
        timeout: 30_000,
        message: 'the child to commit transactions',
      });
      running.child.kill('SIGKILL');
      expect(await running.exited).toBe('SIGKILL');
      const survived = expectWholeTransactions(file);
      expect(survived).toBeGreaterThanOrEqual(running.reported());
      committed = survived;
      stores.splice(0).forEach((store) => store.close());
    }
  });

  it('keeps nothing of a transaction killed before its commit', async () => {
    const dir = createTempDir('state-store-crash');
    dirs.push(dir);
    const file = path.join(dir, 'partition-0.sqlite');
    const running = startChild(file, 'inside');
    expect(await running.exited).toBe('SIGKILL');
    expect(running.reported()).toBe(1);
    expect(expectWholeTransactions(file)).toBe(1);
  });
});
