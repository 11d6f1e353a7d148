/**
 * Simulator rate: events/s of `measureSimulatorRate` (generate and write jsonl) against writing the same number
 * of pre-built JSON lines the same way, so we know whether the load generator could be a bottleneck.
 */
import fs from 'node:fs';
import path from 'node:path';
import { measureSimulatorRate, simulate, toJsonlLine } from '../../simulator/index.ts';
import { repeat } from '../stats.ts';
import type { Suite } from '../types.ts';
import { figure } from './support/figures.ts';

const SUITE = 'simulator';
const CHUNK_CHARS = 1 << 20;

/** Write pre-built lines in 1 MiB chunks with `writeSync`, as the simulator's jsonl writer does. */
function writePrebuiltLines(lines: readonly string[], file: string): number {
  const started = performance.now();
  const descriptor = fs.openSync(file, 'w');
  try {
    let chunk = '';
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length >= CHUNK_CHARS) {
        fs.writeSync(descriptor, chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) fs.writeSync(descriptor, chunk);
  } finally {
    fs.closeSync(descriptor);
  }
  return (lines.length * 1000) / (performance.now() - started);
}

export const simulatorSuite: Suite = {
  name: SUITE,
  async run(context) {
    const events = context.quick ? 20_000 : 100_000;
    const dir = fs.mkdtempSync(path.join(context.workDir, 'simulator-'));
    context.progress(`  simulator: pre-building ${events} lines for the baseline`);
    const lines = Array.from(simulate({ seed: 1, events }), toJsonlLine);
    const baseline = await repeat(context.repetitions, async () =>
      writePrebuiltLines(lines, path.join(dir, 'prebuilt.jsonl')),
    );
    const value = await repeat(context.repetitions, async () => measureSimulatorRate(events, { dir }));
    fs.rmSync(dir, { recursive: true, force: true });
    return {
      figures: [
        figure(SUITE, `simulate to jsonl (${events} events)`, 'events/s', value, {
          baseline: { name: 'write pre-built lines', value: baseline },
          note: 'the simulator feeds every pipeline figure; it must outrun them',
        }),
      ],
    };
  },
};
