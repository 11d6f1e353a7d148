/**
 * Stopping the product with a signal, as a supervisor or a script does it: SIGTERM or SIGINT to the one process
 * `npm start` (or `cleanroom serve`) is, not to its whole process group. Within 5 s everything it started must be
 * gone (npm, the TypeScript runner, the server, esbuild's service), the port free, and the stop a clean one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { portAnswers, portIsFree, processGroup, processTree, stillRunning } from '../helpers/process-tree.ts';
import { startServe } from '../helpers/serve-process.ts';
import type { ServeProcess, StartServeOptions } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const STOP_WITHIN_MS = 5_000;

interface Case {
  name: string;
  launch: Pick<StartServeOptions, 'viaNpmStart' | 'viaBin' | 'args'>;
  signal: NodeJS.Signals;
  /** Send to the top process alone (what a supervisor does) or to its process group (a terminal's Ctrl-C). */
  target: 'top' | 'group';
}

const CASES: Case[] = [
  // The demo as the README starts it, simulator writing, stopped by a supervisor's SIGTERM to npm.
  { name: 'npm start (demo running)', launch: { viaNpmStart: true }, signal: 'SIGTERM', target: 'top' },
  {
    name: 'npm start',
    launch: { viaNpmStart: true, args: ['--no-simulate'] },
    signal: 'SIGINT',
    target: 'top',
  },
  {
    name: 'cleanroom serve',
    launch: { viaBin: true, args: ['--no-simulate'] },
    signal: 'SIGTERM',
    target: 'top',
  },
  {
    name: 'cleanroom serve',
    launch: { viaBin: true, args: ['--no-simulate'] },
    signal: 'SIGINT',
    target: 'group',
  },
];

describe('serve stops when told', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function start(launch: Case['launch']): Promise<{ serve: ServeProcess; port: number }> {
    const dataDir = createTempDir('serve-signals');
    const serve = await startServe({ dataDir, ...launch });
    cleanups.push(() => {
      // Whatever a failed stop left behind must not outlive the test.
      for (const info of processGroup(serve.child.pid!)) {
        try {
          process.kill(info.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      removeTempDir(dataDir);
    });
    const port = Number(new URL(serve.baseUrl).port);
    await waitFor(() => portAnswers(port), { timeout: 10_000, message: 'the gateway answering' });
    return { serve, port };
  }

  for (const testCase of CASES) {
    it(`${testCase.name}: ${testCase.signal} to the ${testCase.target === 'top' ? 'top process alone' : 'process group'} stops everything within 5 s`, async () => {
      const { serve, port } = await start(testCase.launch);
      const top = serve.child.pid!;
      const tree = processTree(top);
      // npm -> tsx -> node, or tsx -> node: the product runs below the process that was signalled.
      expect(tree.length, tree.map((info) => info.command).join('\n')).toBeGreaterThan(1);

      const began = Date.now();
      process.kill(testCase.target === 'top' ? top : -top, testCase.signal);
      await waitFor(
        async () => stillRunning(tree.map((info) => info.pid)).length === 0 && !(await portAnswers(port)),
        {
          timeout: STOP_WITHIN_MS,
          interval: 50,
          message: `every process gone and the port closed within 5 s; still running: ${stillRunning(
            tree.map((info) => info.pid),
          )
            .map((info) => `${info.pid} ${info.command}`)
            .join('; ')}`,
        },
      );
      const stoppedInMs = Date.now() - began;
      process.stdout.write(
        `serve signals: ${testCase.name}, ${testCase.signal} to the ${testCase.target}: ${tree.length} processes gone in ${stoppedInMs} ms\n`,
      );
      expect(processGroup(top)).toEqual([]);
      expect(await portIsFree(port)).toBe(true);
      await waitFor(() => serve.stdout().includes('stopped cleanly'), {
        timeout: 1_000,
        message: `a clean stop (stderr: ${serve.stderr().slice(-1_500)})`,
      });
    }, 120_000);
  }

  it('stops by itself when npm is killed outright (no orphan holds the port)', async () => {
    const { serve, port } = await start({ viaNpmStart: true, args: ['--no-simulate'] });
    const top = serve.child.pid!;
    const tree = processTree(top);
    expect(tree.length).toBeGreaterThan(1);
    process.kill(top, 'SIGKILL');
    await waitFor(
      async () => stillRunning(tree.map((info) => info.pid)).length === 0 && !(await portAnswers(port)),
      {
        timeout: STOP_WITHIN_MS,
        interval: 50,
        message: 'the server noticed its parent was gone and stopped',
      },
    );
    expect(await portIsFree(port)).toBe(true);
    await waitFor(() => serve.stdout().includes('stopped cleanly'), {
      timeout: 1_000,
      message: `a clean stop (stderr: ${serve.stderr().slice(-1_500)})`,
    });
  }, 120_000);
});
