/**
 * Child processes for the reliability suite: spawn a TypeScript fixture under tsx, collect the JSON lines it
 * prints, wait for a line, kill it (SIGKILL or SIGTERM) and wait for the exit.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { waitFor } from '../../helpers/wait-for.ts';

/** One JSON line a fixture printed. */
export interface ChildLine {
  event: string;
  [field: string]: unknown;
}

/** A running fixture and what it printed so far. */
export interface Child {
  process: ChildProcess;
  lines: ChildLine[];
  /** Resolves when the process exited (at once if it already did). */
  exited(): Promise<void>;
  /** The first line with this event printed after `fromIndex`, waited for up to `timeout` ms. */
  waitForLine(event: string, options?: { timeout?: number; fromIndex?: number }): Promise<ChildLine>;
  /** Send a signal and wait for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const running = new Set<Child>();

/** Start `node --import tsx <fixture> <json config>`; stderr is passed through for diagnosis. */
export function startChild(fixture: string, config: unknown, env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines: ChildLine[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as ChildLine);
    }
  });
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: Child = {
    process: child,
    lines,
    exited: () => exit,
    async waitForLine(event, options = {}) {
      const from = options.fromIndex ?? 0;
      return (await waitFor(
        () => {
          if (child.exitCode !== null || child.signalCode !== null) {
            const found = lines.slice(from).find((line) => line.event === event);
            if (found) return found;
            throw new Error(`child exited (${child.exitCode ?? child.signalCode}) before printing ${event}`);
          }
          return lines.slice(from).find((line) => line.event === event);
        },
        { timeout: options.timeout ?? 60_000, interval: 25, message: `child line ${event}` },
      )) as ChildLine;
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exit;
      running.delete(handle);
    },
  };
  running.add(handle);
  void exit.then(() => running.delete(handle));
  return handle;
}

/** SIGKILL every fixture still running (for afterEach). */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.kill('SIGKILL')));
}
