/**
 * Load from a separate process: the autocannon command line, spawned as a child process, at a fixed offered
 * rate; its JSON summary is parsed here.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

/** What one load run measured. */
export interface LoadResult {
  /** Successful (2xx) responses per second over the run. */
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  ratePerSecond: number;
  durationSeconds: number;
  connections: number;
}

const require = createRequire(import.meta.url);
const AUTOCANNON = path.join(path.dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

interface AutocannonJson {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: { p50: number; p99: number };
}

/** Run autocannon in a child process against `url` and parse its summary. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const args = [
    AUTOCANNON,
    '--json',
    '--method',
    'POST',
    '--body',
    options.body,
    '--overallRate',
    String(options.ratePerSecond),
    '--duration',
    String(options.durationSeconds),
    '--connections',
    String(options.connections),
  ];
  for (const [name, value] of Object.entries(options.headers)) args.push('--headers', `${name}=${value}`);
  args.push(options.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`autocannon exited with ${code}: ${stderr.slice(0, 300)}`));
        return;
      }
      try {
        const summary = JSON.parse(stdout) as AutocannonJson;
        resolve({
          achievedPerSecond: summary['2xx'] / (summary.duration || options.durationSeconds),
          p50Ms: summary.latency.p50,
          p99Ms: summary.latency.p99,
          failures: summary.non2xx + summary.errors + summary.timeouts,
        });
      } catch (error) {
        reject(new Error(`cannot parse autocannon output: ${String(error)}`));
      }
    });
  });
}
