/**
 * Timing a pipeline (or its null baseline, or one part alone): it is started and has joined its groups first
 * (group joins on Kafka take seconds and are not throughput), then the clock runs from the first produce of the
 * input until every input is processed. The check must hold on two polls in a row, so a part that has not yet
 * seen its upstream's last output is not taken for finished.
 */
import type { RunningPipeline } from './full-pipeline.ts';
import { waitUntil } from '../support/wait.ts';

/** Start, produce the input, wait until finished, stop; resolves to `items` per second of wall time. */
export async function timePipeline(
  items: number,
  start: () => Promise<RunningPipeline>,
  produce: () => Promise<void>,
  options: { timeoutMs: number; label: string },
): Promise<number> {
  const running = await start();
  const started = performance.now();
  let finishedAt = 0;
  try {
    await produce();
    let streak = 0;
    await waitUntil(
      async () => {
        if (await running.finished()) {
          if (streak === 0) finishedAt = performance.now();
          streak += 1;
        } else {
          streak = 0;
        }
        return streak >= 2;
      },
      // Kafka's offset look-ups can fail transiently while new topics' metadata settles.
      {
        timeoutMs: options.timeoutMs,
        intervalMs: 20,
        message: `${options.label} did not finish`,
        tolerateErrors: true,
      },
    );
  } finally {
    await running.stop();
  }
  return (items * 1000) / (finishedAt - started);
}
