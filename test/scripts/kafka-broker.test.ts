/** The local broker scripts: up answers, down leaves no process and no files; a dead parent takes it down. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  brokerAnswers,
  brokerUnavailableReason,
  freePort,
  startBroker,
  stopBroker,
} from '../../scripts/kafka/broker-control.mjs';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Checked here rather than through the shared Kafka test helper, so this file alone starts no shared broker.
const unavailable = brokerUnavailableReason();
const ci = process.env.CI === 'true' || process.env.CI === '1';
if (unavailable && ci) throw new Error(`CI=true but no Kafka broker can start here: ${unavailable}`);
const skipReason = unavailable;
const dirs: string[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    await stopBroker({ dir, graceMs: 2_000 });
    removeTempDir(dir);
  }
});

describe.skipIf(skipReason !== undefined)(
  `local Kafka broker${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    it('starts answering, then stops leaving no process and no files', async () => {
      const dir = createTempDir('broker-script');
      dirs.push(dir);
      const port = await freePort();
      const broker = await startBroker({ port, dir });
      expect(broker.brokers).toBe(`127.0.0.1:${port}`);
      expect(await brokerAnswers(port)).toBe(true);
      await expect(startBroker({ port, dir })).rejects.toThrow(/already running/);

      expect(await stopBroker({ dir })).toBe(true);
      expect(alive(broker.pid)).toBe(false);
      expect(existsSync(dir)).toBe(false);
      expect(await brokerAnswers(port)).toBe(false);
      expect(await stopBroker({ dir })).toBe(false);
    });

    it('is killed by its watchdog when the process that started it dies', async () => {
      const dir = createTempDir('broker-watchdog');
      dirs.push(dir);
      const parent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      const broker = await startBroker({ port: await freePort(), dir, stopWithParent: parent.pid! });
      parent.kill('SIGKILL');
      await waitFor(() => !alive(broker.pid) && !existsSync(dir), { timeout: 20_000, interval: 100 });
    });
  },
);
