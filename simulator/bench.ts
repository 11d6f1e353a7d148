/** The simulator's own rate, for `npm run bench`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonl } from './jsonl.ts';
import { simulate } from './simulation.ts';

/**
 * Generate `events` records with the default world and write them to a temporary jsonl file; resolves to
 * records per second (world creation included). The file is removed afterwards.
 *
 * @example
 * const eventsPerSecond = await measureSimulatorRate(200_000);
 */
export async function measureSimulatorRate(
  events = 200_000,
  options: { dir?: string; seed?: number } = {},
): Promise<number> {
  const dir = fs.mkdtempSync(path.join(options.dir ?? os.tmpdir(), 'cleanroom-simulator-'));
  const file = path.join(dir, 'events.jsonl');
  try {
    const started = performance.now();
    const result = await writeJsonl(simulate({ seed: options.seed ?? 1, events }), file);
    return (result.records * 1000) / (performance.now() - started);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
