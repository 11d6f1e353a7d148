/**
 * The demo survives a restart: stopped and started again on the same data folder, its simulator carries on from the
 * simulated time it had reached (a replay of old simulated time would be too late for every window the pipeline
 * already closed, and the demo would look dead), and triggers keep firing after the restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoStart } from '../../simulator/index.ts';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

interface Triggers {
  crossIndustryTriggers: { edges: Array<{ node: { windowStart: string } }> };
}

async function latestTrigger(serve: ServeProcess): Promise<string> {
  const answer = await graphql<Triggers>(
    serve.graphqlUrl,
    serve.tokens.get('burger-barn'),
    '{ crossIndustryTriggers(first: 100) { edges { node { windowStart } } } }',
  );
  return (
    answer.data?.crossIndustryTriggers.edges
      .map((edge) => edge.node.windowStart)
      .sort()
      .at(-1) ?? ''
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
    serve = await startServe({ dataDir });
    const first = serve;
    await waitFor(async () => (await latestTrigger(first)) !== '', {
      timeout: 120_000,
      interval: 2_000,
      message: 'a trigger in the first run',
    });
    const firstRunLatest = await latestTrigger(first);
    await first.stop();
    serve = undefined;
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'simulator-clock.json'), 'utf8')) as {
      simulatedUntil: string;
    };
    const reached = Date.parse(saved.simulatedUntil);
    expect(reached).toBeGreaterThan(Date.parse(firstRunLatest));

    serve = await startServe({ dataDir });
    const second = serve;
    const resumedAt = /"simulatedStart":"([^"]+)"/.exec(second.stderr())?.[1];
    expect(resumedAt).toBe(new Date(demoStart(reached)).toISOString());
    // A trigger of a window after the restart point: the demo is alive again.
    await waitFor(async () => (await latestTrigger(second)) > (resumedAt ?? ''), {
      timeout: 150_000,
      interval: 2_000,
      message: 'a trigger of a window after the restart',
    });
    process.stdout.write(
      `demo restart: first run reached ${saved.simulatedUntil}, resumed at ${resumedAt}, next trigger ${await latestTrigger(second)}\n`,
    );
  }, 400_000);
});
