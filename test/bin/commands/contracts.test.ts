import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'contracts');

function cleanroom(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bin', 'cleanroom.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cleanroom contracts check', () => {
  let dir: string;
  beforeEach(() => {
    dir = createTempDir('contracts-cli');
    for (const name of readdirSync(EXAMPLES)) copyFileSync(join(EXAMPLES, name), join(dir, name));
  });
  afterEach(() => removeTempDir(dir));

  it('passes the sample contracts, one line per file', () => {
    const { status, stdout } = cleanroom('contracts', 'check', 'examples/contracts');
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /^ok {4}examples\/contracts\/burger-barn\.yaml {2}QSR burger-barn {2}sha256:[0-9a-f]{12}$/m,
    );
    expect(stdout).toMatch(/^ok {4}examples\/contracts\/fresh-oats\.yaml {2}BRAND fresh-oats/m);
    expect(stdout).toMatch(/^ok {4}examples\/contracts\/sparkle-soda\.yaml {2}BRAND sparkle-soda/m);
    expect(stdout).toMatch(/^ok {4}examples\/contracts\/host\.yaml {2}HOST/m);
    expect(stdout).toContain('3 contract(s) valid, 0 file(s) refused');
  });

  it('exits non-zero naming the file, field and reason of each bad file, and still checks the others', () => {
    writeFileSync(
      join(dir, 'sparkle-soda.yaml'),
      'partnerId: sparkle-soda\nkind: BRAND\npurposes: [measurement]\ngeoGranularity: street\n',
    );
    const { status, stdout } = cleanroom('contracts', 'check', dir);
    expect(status).toBe(1);
    expect(stdout).toContain(`error ${join(dir, 'sparkle-soda.yaml')}: geoGranularity: Invalid option`);
    expect(stdout).toMatch(/^ok .*fresh-oats\.yaml/m);
    expect(stdout).toContain('2 contract(s) valid, 1 file(s) refused');
  });

  it('is a usage error without a folder', () => {
    expect(cleanroom('contracts', 'check').status).toBe(2);
    expect(cleanroom('contracts', 'check', join(dir, 'missing')).status).toBe(2);
  });
});
