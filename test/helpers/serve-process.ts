/**
 * Runs the real product (`cleanroom serve`, or `npm start` exactly as the README says) as a child process on a
 * fresh data folder and a free port, and reads its banner: the GraphQL address and a token per principal.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './wait-for.ts';

/** A running product. */
export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT/graphql` ('' for a process in the `processors` role, which serves no gateway) */
  graphqlUrl: string;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** Development token per principal id, from the banner. */
  tokens: Map<string, string>;
  stdout(): string;
  stderr(): string;
  /** Ctrl-C, then wait for the exit; resolves to the exit code and how long stopping took. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stoppedInMs: number }>;
}

const root = path.resolve(import.meta.dirname, '../..');

/** Options of {@link startServe}. */
export interface StartServeOptions {
  dataDir: string;
  /** Run `npm start` (the README's command) instead of `node bin/cleanroom.ts serve`. */
  viaNpmStart?: boolean;
  /** Run `bin/cleanroom serve` (the command line as installed) instead of `node bin/cleanroom.ts serve`. */
  viaBin?: boolean;
  args?: string[];
  /** Kept as given: `KAFKA_BROKERS` (otherwise removed, so the product runs on its embedded log). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** The process serves no gateway (`--role processors`): no GraphQL address in its banner. */
  withoutGateway?: boolean;
}

/** Start the product and wait for its banner. */
export async function startServe(options: StartServeOptions): Promise<ServeProcess> {
  const env = { ...process.env, CLEANROOM_DATA_DIR: options.dataDir, PORT: '0', ...options.env };
  if (options.env?.['KAFKA_BROKERS'] === undefined)
    delete (env as Record<string, string | undefined>)['KAFKA_BROKERS'];
  const child = options.viaNpmStart
    ? spawn('npm', ['start', '--silent', '--', ...(options.args ?? [])], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
    : options.viaBin
      ? spawn(path.join(root, 'bin', 'cleanroom'), ['serve', ...(options.args ?? [])], {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        })
      : spawn(process.execPath, ['bin/cleanroom.ts', 'serve', ...(options.args ?? [])], {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  // 'close', not 'exit': npm leaves on Ctrl-C before the product it started has finished stopping; 'close'
  // fires once every process holding the output pipes (npm and node) is gone and all output has arrived.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  await waitFor(
    () => {
      if (child.exitCode !== null)
        throw new Error(`serve exited with ${child.exitCode}: ${err.slice(-2000)}`);
      return /Ctrl-C stops it/.test(out);
    },
    { timeout: options.timeoutMs ?? 90_000, interval: 100, message: 'the serve banner' },
  );
  const graphqlUrl = options.withoutGateway === true ? '' : /(?:GraphiQL|GraphQL)\s+(\S+)/.exec(out)?.[1];
  if (graphqlUrl === undefined) throw new Error(`no GraphQL address in the banner:\n${out}`);
  const tokens = new Map<string, string>();
  const tokenPattern = /^ {2}(\S+) \([A-Z_]+\)\n {4}(\S+)$/gm;
  for (const match of out.matchAll(tokenPattern)) tokens.set(match[1] ?? '', match[2] ?? '');
  return {
    child,
    graphqlUrl,
    baseUrl: graphqlUrl === '' ? '' : new URL(graphqlUrl).origin,
    tokens,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) {
        // The whole process group, as a terminal's Ctrl-C does (npm and the node process it started).
        process.kill(-child.pid!, 'SIGINT');
      }
      const result = await exited;
      return { ...result, stoppedInMs: Date.now() - started };
    },
  };
}

/** POST a GraphQL operation with a bearer token. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: T;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}
