import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import { parseJsonlLine, simulate, toJsonlLine } from '../../simulator/index.ts';
import type { GroundTruth } from '../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const cli = path.join(root, 'bin/cleanroom.ts');

async function simulateCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [cli, 'simulate', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

let dir: string;
beforeEach(() => {
  dir = createTempDir('simulate');
});
afterEach(() => {
  removeTempDir(dir);
});

describe('cleanroom simulate', () => {
  it('writes jsonl and its ground truth, byte for byte what the API produces', async () => {
    const file = path.join(dir, 'events.jsonl');
    const result = await simulateCli(['--seed', '7', '--events', '2000', '--out', `jsonl:${file}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2000);
    const first = parseJsonlLine(lines[0] ?? '');
    expect(Object.keys(first)).toEqual(['topic', 'key', 'value']);
    expect(first.topic).toBe('retail.campaigns');
    expect(lines).toEqual([...simulate({ seed: 7, events: 2000 })].map(toJsonlLine));
    const truth = JSON.parse(fs.readFileSync(path.join(dir, 'events.truth.json'), 'utf8')) as GroundTruth;
    expect(truth.seed).toBe(7);
    expect(truth.records).toBe(2000);
  });

  it('marks raw malformed lines and writes the truth where asked', async () => {
    const file = path.join(dir, 'bad.jsonl');
    const truthFile = path.join(dir, 'truth', 'bad.json');
    const result = await simulateCli([
      '--seed',
      '3',
      '--events',
      '3000',
      '--malformed-share',
      '0.05',
      '--out',
      `jsonl:${file}`,
      '--truth',
      truthFile,
    ]);
    expect(result.code).toBe(0);
    const records = fs.readFileSync(file, 'utf8').trim().split('\n').map(parseJsonlLine);
    const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as GroundTruth;
    expect(truth.malformed.length).toBeGreaterThan(50);
    const rawIndices = records.flatMap((record, index) => (record.raw === true ? [index] : []));
    expect(rawIndices.length).toBeGreaterThan(0);
    const listed = new Set(truth.malformed.map((entry) => entry.index));
    for (const index of rawIndices) expect(listed.has(index)).toBe(true);
  });

  it('produces to the embedded log', async () => {
    const truthFile = path.join(dir, 'truth.json');
    const result = await simulateCli(
      ['--seed', '4', '--events', '600', '--out', 'embedded', '--truth', truthFile],
      {
        CLEANROOM_DATA_DIR: dir,
        KAFKA_BROKERS: '',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as GroundTruth;
    const log = createEmbeddedLog({ path: path.join(dir, 'log.sqlite') });
    try {
      for (const [topic, count] of Object.entries(truth.recordsByTopic)) {
        const offsets = await log.endOffsets(topic);
        expect(offsets.reduce((sum, offset) => sum + offset, 0)).toBe(count);
      }
    } finally {
      await log.close();
    }
  });

  it('refuses bad arguments with exit code 2', async () => {
    expect((await simulateCli(['--out', 'carrier-pigeon'])).code).toBe(2);
    expect(
      (await simulateCli(['--events', 'many', '--out', `jsonl:${path.join(dir, 'x.jsonl')}`])).code,
    ).toBe(2);
    const unknown = await simulateCli(['--colour', 'blue']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/usage: cleanroom simulate/);
  });
});
