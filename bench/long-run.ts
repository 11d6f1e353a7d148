/**
 * `npm run bench:long-run -- [--minutes 120] [--interval 30] [--out bench/results]`: runs `npm start`'s server (the
 * embedded default, simulator on) on a fresh data folder for the given time and samples, every interval, the size
 * of the data folder (and of its log and state) and the server's resident memory. Writes
 * `long-run-<date>.json` and a chart `long-run.svg` (data folder and memory against minutes) into `--out`, and
 * prints one line per sample while it runs.
 *
 * Linux only: the resident memory is read from /proc/<pid>/status.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderLineChart } from './chart.ts';
import type { SeriesPoint } from './types.ts';

interface Sample {
  minutes: number;
  dataMiB: number;
  logMiB: number;
  stateMiB: number;
  rssMiB: number;
  /** The gateway's live heap after its last full GC (`/metrics`), null until it reported one. */
  liveHeapMiB: number | null;
}

const MiB = 1024 * 1024;

/** Bytes of a file, or of every file below a folder (0 when it does not exist yet). */
function sizeOf(target: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    if (fs.statSync(target).isFile()) return fs.statSync(target).size;
    entries = fs.readdirSync(target, { withFileTypes: true });
  } catch {
    // Not created yet (the server creates its files as it starts), or removed while we looked.
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) total += sizeOf(full);
    else {
      try {
        total += fs.statSync(full).size;
      } catch {
        // A file SQLite removed between the listing and the stat (a -journal, a checkpointed -wal).
      }
    }
  }
  return total;
}

/** Resident memory of a process in bytes (0 once it has gone). */
function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    // The process ended: no memory to report.
    return 0;
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** A development token of the host's operator, once the server has written its signing key (else null). */
function operatorToken(root: string, dataDir: string): string | null {
  const minted = spawnSync(
    process.execPath,
    [
      'bin/cleanroom.ts',
      'token',
      '--partner',
      'host-ops',
      '--role',
      'HOST_ADMIN',
      '--ttl',
      '24h',
      '--data-dir',
      dataDir,
    ],
    // Never let a slow mint hold up the samples: the next sample tries again.
    { cwd: root, encoding: 'utf8', timeout: 30_000 },
  );
  const token = minted.stdout.trim().split('\n').at(-1) ?? '';
  return minted.status === 0 && token.startsWith('ey') ? token : null;
}

/** The live heap the gateway reports on `/metrics`, in bytes (null when it cannot be read). */
async function liveHeapOf(port: string, token: string | null): Promise<number | null> {
  if (token === null) return null;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5_000),
    });
    const match = /^cleanroom_gateway_heap_retained_after_gc_bytes (\d+)/m.exec(await response.text());
    return match ? Number(match[1]) : null;
  } catch {
    // The server is busy starting or stopping: this sample has no heap figure.
    return null;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '120' },
      interval: { type: 'string', default: '30' },
      out: { type: 'string', default: path.resolve(import.meta.dirname, 'results') },
      port: { type: 'string', default: '4099' },
      'data-dir': { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  const intervalS = Number(values.interval);
  if (!(minutes > 0) || !(intervalS > 0))
    throw new Error('--minutes and --interval must be positive numbers');
  const dataDir = values['data-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cleanroom-long-run-'));
  const root = path.resolve(import.meta.dirname, '..');
  const server = spawn(
    process.execPath,
    ['bin/cleanroom.ts', 'serve', '--dev-tokens', '--port', values.port, '--data-dir', dataDir],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderrTail = '';
  server.stderr.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });

  const started = Date.now();
  const samples: Sample[] = [];
  let token: string | null = null;
  process.stdout.write(`long run: ${minutes} min, a sample every ${intervalS} s, data in ${dataDir}\n`);
  process.stdout.write('minutes  data MiB  log MiB  state MiB  RSS MiB  live heap MiB\n');
  while (Date.now() - started < minutes * 60_000) {
    await new Promise((resolve) => setTimeout(resolve, intervalS * 1_000));
    if (gone) throw new Error(`the server stopped early:\n${stderrTail}`);
    token ??= operatorToken(root, dataDir);
    const liveHeap = await liveHeapOf(values.port, token);
    const sample: Sample = {
      minutes: round((Date.now() - started) / 60_000),
      dataMiB: round(sizeOf(dataDir) / MiB),
      logMiB: round(
        ['log.sqlite', 'log.sqlite-wal'].reduce((sum, file) => sum + sizeOf(path.join(dataDir, file)), 0) /
          MiB,
      ),
      stateMiB: round(sizeOf(path.join(dataDir, 'state')) / MiB),
      rssMiB: round(rssOf(server.pid!) / MiB),
      liveHeapMiB: liveHeap === null ? null : round(liveHeap / MiB),
    };
    samples.push(sample);
    process.stdout.write(
      `${String(sample.minutes).padStart(7)}  ${String(sample.dataMiB).padStart(8)}  ${String(sample.logMiB).padStart(7)}  ${String(sample.stateMiB).padStart(9)}  ${String(sample.rssMiB).padStart(7)}  ${String(sample.liveHeapMiB ?? '-').padStart(13)}\n`,
    );
  }
  server.kill('SIGTERM');
  const code = await exited;

  fs.mkdirSync(values.out, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const result = {
    date,
    minutes,
    intervalSeconds: intervalS,
    node: process.version,
    cpus: os.cpus().length,
    stoppedWith: code,
    samples,
  };
  fs.writeFileSync(path.join(values.out, `long-run-${date}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const points: SeriesPoint[] = samples.flatMap((sample) => [
    { series: 'data folder', x: sample.minutes, y: sample.dataMiB },
    { series: 'log.sqlite', x: sample.minutes, y: sample.logMiB },
    { series: 'state/', x: sample.minutes, y: sample.stateMiB },
    { series: 'resident memory', x: sample.minutes, y: sample.rssMiB },
    ...(sample.liveHeapMiB === null
      ? []
      : [{ series: 'live heap', x: sample.minutes, y: sample.liveHeapMiB }]),
  ]);
  fs.writeFileSync(
    path.join(values.out, 'long-run.svg'),
    renderLineChart(`npm start for ${minutes} minutes`, 'minutes', 'MiB', points),
  );
  const last = samples.at(-1);
  process.stdout.write(
    `long run done: data folder ${last?.dataMiB ?? 0} MiB (max ${Math.max(0, ...samples.map((s) => s.dataMiB))}), ` +
      `resident memory ${last?.rssMiB ?? 0} MiB (max ${Math.max(0, ...samples.map((s) => s.rssMiB))}); ` +
      `results in ${values.out}\n`,
  );
  if (values['data-dir'] === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
