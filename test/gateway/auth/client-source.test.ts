import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSourcePseudonyms, loadOrCreateSourceKey, sourceOfAddress } from '../../../gateway/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

describe('sourceOfAddress', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['::FFFF:203.0.113.9', '203.0.113.9'],
    ['2001:db8:0:1:aaaa:bbbb:cccc:dddd', '2001:db8:0:1::/64'],
    ['2001:db8:0:1::7', '2001:db8:0:1::/64'],
    ['2001:0db8:0000:0001::7%eth0', '2001:db8:0:1::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
    ['not an address', 'unknown'],
    ['1.2.3', 'unknown'],
  ])('%s -> %s', (address, source) => {
    expect(sourceOfAddress(address)).toBe(source);
  });
});

describe('source pseudonyms', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });

  it('keeps one owner-only key per data folder, so pseudonyms survive a restart', () => {
    const dataDir = createTempDir('source-key');
    dirs.push(dataDir);
    const first = loadOrCreateSourceKey(dataDir);
    const again = loadOrCreateSourceKey(dataDir);
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    expect(first).toHaveLength(32);
    const file = path.join(dataDir, 'secrets', 'auth-source.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(path.join(dataDir, 'secrets'))).toEqual(['auth-source.key']);
  });

  it('is stable under one key, unlinkable across keys, and never shows the address', () => {
    const dataDir = createTempDir('source-key');
    const otherDir = createTempDir('source-key');
    dirs.push(dataDir, otherDir);
    const pseudonym = createSourcePseudonyms(loadOrCreateSourceKey(dataDir));
    const other = createSourcePseudonyms(loadOrCreateSourceKey(otherDir));
    expect(pseudonym('198.51.100.4')).toBe(pseudonym('198.51.100.4'));
    expect(pseudonym('198.51.100.4')).not.toBe(pseudonym('198.51.100.5'));
    expect(pseudonym('198.51.100.4')).not.toBe(other('198.51.100.4'));
    expect(pseudonym('198.51.100.4')).toMatch(/^source:[0-9a-f]{16}$/);
    expect(() => createSourcePseudonyms(new Uint8Array(8))).toThrow(RangeError);
  });
});
