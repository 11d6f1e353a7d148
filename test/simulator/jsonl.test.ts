import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import {
  defaultTruthFile,
  measureSimulatorRate,
  parseJsonlLine,
  recordText,
  simulate,
  writeJsonl,
  writeToLog,
} from '../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
beforeEach(() => {
  dir = createTempDir('simulator-out');
});
afterEach(() => {
  removeTempDir(dir);
});

describe('simulator outputs', () => {
  it('round-trips records through jsonl', async () => {
    const file = path.join(dir, 'out.jsonl');
    const records = [...simulate({ seed: 8, events: 3_000, malformedShare: 0.02 })];
    const result = await writeJsonl(records, file);
    expect(result.records).toBe(3_000);
    expect(result.bytes).toBe(fs.statSync(file).size);
    const parsed = fs.readFileSync(file, 'utf8').trim().split('\n').map(parseJsonlLine);
    expect(parsed.map(recordText)).toEqual(records.map(recordText));
  });

  it('names the default truth file beside the jsonl', () => {
    expect(defaultTruthFile('/tmp/a/events.jsonl')).toBe('/tmp/a/events.truth.json');
    expect(defaultTruthFile('events.out')).toBe('events.out.truth.json');
  });

  it('produces every record to its topic through the log, paced or not', async () => {
    const log = createEmbeddedLog({ path: path.join(dir, 'log.sqlite') });
    try {
      const simulation = simulate({ seed: 9, events: 400 });
      const result = await writeToLog(log, simulation, { rate: 100_000, batchSize: 50 });
      expect(result.records).toBe(400);
      const truth = simulation.groundTruth();
      for (const [topic, count] of Object.entries(truth.recordsByTopic)) {
        const offsets = await log.endOffsets(topic);
        expect(offsets.reduce((sum, offset) => sum + offset, 0)).toBe(count);
      }
      const controller = new AbortController();
      controller.abort();
      const stopped = await writeToLog(log, simulate({ seed: 9 }), { signal: controller.signal });
      expect(stopped.records).toBe(0);
    } finally {
      await log.close();
    }
  });

  it('measures its own rate', async () => {
    const rate = await measureSimulatorRate(5_000, { dir });
    expect(rate).toBeGreaterThan(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
