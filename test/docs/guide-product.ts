/**
 * Starts the product with the operations guide's own start command (its `server` block) in a working folder that
 * looks like the project folder, on a fresh data folder and a free port, and stops it as Ctrl-C would.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/wait-for.ts';

const projectRoot = path.resolve(import.meta.dirname, '../..');

/** What the guides' blocks may use from the project folder (linked, so nothing is written into the project). */
const LINKED = ['bin', 'node_modules', 'examples', 'schema', 'package.json'];

/** Make `workDir` look like the project folder to a reader's commands. */
export function linkProjectInto(workDir: string): void {
  for (const entry of LINKED) symlinkSync(path.join(projectRoot, entry), path.join(workDir, entry));
}

/** A running product. */
export interface GuideProduct {
  baseUrl: string;
  graphqlUrl: string;
  stdout(): string;
  stderr(): string;
  /** SIGINT to the process group (what Ctrl-C does); resolves once it exited. */
  stop(timeoutMs: number): Promise<void>;
}

/** Run `command` (the server block) with bash and wait for the banner. */
export async function startGuideProduct(
  command: string,
  options: { workDir: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<GuideProduct> {
  const child: ChildProcess = spawn('bash', ['-e', '-c', command], {
    cwd: options.workDir,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  // 'close': every process of the group that holds the output pipes has exited (npm and node alike).
  let closed = false;
  const allExited = new Promise<void>((resolve) =>
    child.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  const stop = async (timeoutMs: number): Promise<void> => {
    if (closed || child.pid === undefined) return;
    const group = -child.pid;
    process.kill(group, 'SIGINT');
    const killer = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    await allExited;
    clearTimeout(killer);
  };
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null)
          throw new Error(`the product exited with ${child.exitCode}:\n${err.slice(-3000)}`);
        return /Ctrl-C stops it/.test(out);
      },
      { timeout: options.timeoutMs, interval: 100, message: 'the start banner' },
    );
  } catch (error) {
    await stop(2_000);
    throw error;
  }
  const graphqlUrl = /GraphiQL\s+(\S+)/.exec(out)?.[1];
  if (graphqlUrl === undefined) throw new Error(`no GraphiQL address in the banner:\n${out}`);
  return {
    baseUrl: new URL(graphqlUrl).origin,
    graphqlUrl,
    stdout: () => out,
    stderr: () => err,
    stop,
  };
}
