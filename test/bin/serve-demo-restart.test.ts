/**
 * The demo survives a restart: stopped and started again on the same data folder, its simulator carries on from the
 * simulated time it had reached (a replay of old simulated time would be too late for every window the pipeline
 * already closed, and the demo would look dead), and triggers keep firing after the restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoStart } from '../../simulator/index.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** The restaurant chain's trigger subscription (paid once; the trigger list is charged per query). */
function watchTriggers(serve: ServeProcess) {
  return collect<{ windowStart: string }>(
    wsClient(serve.graphqlUrl, serve.tokens.get('burger-barn')),
    'subscription { triggerFired { windowStart } }',
    'triggerFired',
  );
}

describe('the demo across a restart', () => {
  const dataDir = createTempDir('serve-demo-restart');
  let serve: ServeProcess | undefined;

  afterAll(async () => {
    await serve?.stop();
    removeTempDir(dataDir);
  });

  it('carries on from the simulated time it reached, and fires triggers again', async () => {
    serve = await startServe({ dataDir, args: ['--dev-tokens'] });
    const first = serve;
    const firstRun = watchTriggers(first);
    await waitFor(() => firstRun.items.length > 0, {
      timeout: 120_000,
      interval: 1_000,
      message: `a trigger in the first run (${JSON.stringify(firstRun.errors)})`,
    });
    firstRun.stop();
    const firstRunLatest =
      firstRun.items
        .map((trigger) => trigger.windowStart)
        .sort()
        .at(-1) ?? '';
    await first.stop();
    serve = undefined;
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'simulator-clock.json'), 'utf8')) as {
      simulatedUntil: string;
    };
    const reached = Date.parse(saved.simulatedUntil);
    expect(reached).toBeGreaterThan(Date.parse(firstRunLatest));

    serve = await startServe({ dataDir, args: ['--dev-tokens'] });
    const second = serve;
    const resumedAt = /"simulatedStart":"([^"]+)"/.exec(second.stderr())?.[1] ?? '';
    expect(resumedAt).toBe(new Date(demoStart(reached)).toISOString());
    // A trigger of a window after the restart point: the demo is alive again.
    const secondRun = watchTriggers(second);
    await waitFor(() => secondRun.items.some((trigger) => trigger.windowStart >= resumedAt), {
      timeout: 150_000,
      interval: 1_000,
      message: `a trigger of a window after the restart (${JSON.stringify(secondRun.errors)})`,
    });
    secondRun.stop();
    process.stdout.write(
      `demo restart: first run reached ${saved.simulatedUntil}, resumed at ${resumedAt}, next trigger ${secondRun.items[0]?.windowStart}\n`,
    );
  }, 400_000);
});
