import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog, loadOrCreateAuditSigningKey } from '../../../policies/audit/index.ts';
import { makeTempDir, waitFor } from './helpers.ts';

const TSX = path.resolve('node_modules/.bin/tsx');
const FIXTURE = path.resolve('test/policies/audit/fixtures/append-burst.ts');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Run the burst child, SIGKILL its whole process group once it has answered `answered` more decisions. */
async function burstAndKill(
  dataDir: string,
  answered: number,
  mode: 'sync' | 'group',
): Promise<{ printed: number[]; startSize: number }> {
  // Detached: the child leads its own process group, so the kill reaches tsx's node process too.
  const child = spawn(TSX, [FIXTURE, dataDir, '1000000', mode], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  const startSize = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`child exited early: ${errors}`);
      const match = /^ready (\d+)\n/.exec(output);
      return match === null ? undefined : Number(match[1]);
    },
    { timeout: 30_000 },
  );
  await waitFor(() => output.split('\n').length > answered + 2, { timeout: 60_000, interval: 5 });
  process.kill(-(child.pid as number), 'SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // Only complete lines count as answered: a partial line was never fully released.
  const lines = output.split('\n').slice(1, -1);
  expect(lines).not.toContain('done');
  return { printed: lines.map(Number), startSize };
}

describe('kill -9 during a burst of decisions', () => {
  it('leaves a log that verifies and holds every decision that was answered, across two crashes (append and appendAsync)', async () => {
    const dataDir = makeTempDir();
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    const first = await burstAndKill(dataDir, 400, 'sync');
    expect(first.startSize).toBe(0);
    // The second burst group-commits (appendAsync), the gateway's path.
    const second = await burstAndKill(dataDir, 300, 'group');
    // The restarted child resumed after everything the first one committed.
    expect(second.startSize).toBeGreaterThan(first.printed.at(-1) ?? 0);

    const log = createAuditLog({
      path: path.join(dataDir, 'audit.sqlite'),
      signingKey: await loadOrCreateAuditSigningKey(dataDir),
      sthIntervalMs: 0,
    });
    try {
      const verification = await log.verify();
      expect(verification).toMatchObject({ valid: true, firstBadSequence: null });
      expect(verification.treeHeadsChecked).toBeGreaterThan(0);
      const answered = [...first.printed, ...second.printed];
      expect(answered.length).toBeGreaterThan(700);
      const missing = answered.filter((sequence) => log.get(sequence) === undefined);
      expect(missing).toEqual([]);
      expect(log.size()).toBeGreaterThanOrEqual(Math.max(...answered) + 1);
    } finally {
      await log.close();
    }
  });
});
