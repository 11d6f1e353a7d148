import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../policies/audit/index.ts';
import { makeTempDir, sampleDecision } from './helpers.ts';

const CLEANROOM = path.resolve('bin/cleanroom');

function cleanroom(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      CLEANROOM,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dataDir: string;
const leafHashes: string[] = [];

beforeAll(async () => {
  dataDir = makeTempDir();
  const log = await openAuditLog({ dataDir, sthEvery: 10, sthIntervalMs: 0 });
  for (let i = 0; i < 25; i += 1) log.append(sampleDecision(i));
  await log.signedTreeHead();
  for (let i = 0; i < 25; i += 1) leafHashes.push(log.inclusionProof(i).leafHash);
  await log.close();
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('cleanroom audit', () => {
  it('verify reports a valid log and exits 0 (data dir from --data or CLEANROOM_DATA_DIR)', async () => {
    const byFlag = await cleanroom(['audit', 'verify', '--data', dataDir]);
    expect(byFlag.code).toBe(0);
    expect(byFlag.stdout).toMatch(/audit log valid: 25 entries and 3 signed tree heads verified/);
    const byEnv = await cleanroom(['audit', 'verify', '--json'], { CLEANROOM_DATA_DIR: dataDir });
    expect(byEnv.code).toBe(0);
    expect(JSON.parse(byEnv.stdout)).toMatchObject({ valid: true, size: 25, firstBadSequence: null });
  });

  it('export writes the canonical entries N..M as JSON lines whose leaf hashes match the log', async () => {
    const { code, stdout } = await cleanroom([
      'audit',
      'export',
      '--from',
      '5',
      '--to',
      '9',
      '--data',
      dataDir,
    ]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { sequence: number }).sequence)).toEqual([5, 6, 7, 8, 9]);
    lines.forEach((line, i) => {
      const leaf = createHash('sha256')
        .update(Buffer.from([0]))
        .update(line, 'utf8')
        .digest('base64');
      expect(leaf).toBe(leafHashes[5 + i]);
    });
    const all = await cleanroom(['audit', 'export', '--data', dataDir]);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(25);
  });

  it('verify exits non-zero naming the first bad sequence of a tampered log', async () => {
    const copy = makeTempDir();
    try {
      fs.cpSync(dataDir, copy, { recursive: true });
      const db = new Database(path.join(copy, 'audit.sqlite'));
      const row = db.prepare('SELECT entry FROM audit_entries WHERE sequence = 17').get() as {
        entry: Buffer;
      };
      db.prepare('UPDATE audit_entries SET entry = ? WHERE sequence = 17').run(
        Buffer.from(row.entry.toString('utf8').replace('"rows":', '"rowz":')),
      );
      db.close();
      const { code, stdout, stderr } = await cleanroom(['audit', 'verify', '--data', copy]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/INVALID: first bad sequence 17/);
      expect(stderr).toMatch(/first bad sequence: 17/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('exits 2 on a usage error or a missing log', async () => {
    expect((await cleanroom(['audit'])).code).toBe(2);
    expect((await cleanroom(['audit', 'export', '--from', 'x', '--data', dataDir])).code).toBe(2);
    const missing = await cleanroom(['audit', 'verify', '--data', path.join(dataDir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot open the audit database/);
  });
});
