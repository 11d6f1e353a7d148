import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOST_SECRET_ENV, loadOrCreateSecrets } from '../../../policies/identity/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

describe('host secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = createTempDir('secrets');
  });
  afterEach(() => removeTempDir(dir));

  it('generates the key file on first start with owner-only permissions, then reads it back', () => {
    const first = loadOrCreateSecrets(dir, { env: {} });
    expect(first.source).toBe('generated');
    expect(statSync(path.join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'secrets', 'host.key')).mode & 0o777).toBe(0o600);
    const second = loadOrCreateSecrets(dir, { env: {} });
    expect(second.source).toBe('file');
    expect(Buffer.from(second.hostSecret).equals(Buffer.from(first.hostSecret))).toBe(true);
    expect(Buffer.from(second.ipHmacKey).equals(Buffer.from(first.ipHmacKey))).toBe(true);
    expect(Buffer.from(first.ipHmacKey).equals(Buffer.from(first.hostSecret))).toBe(false);
  });

  it('prefers the environment', () => {
    const value = Buffer.alloc(32, 5).toString('base64');
    const secrets = loadOrCreateSecrets(dir, { env: { [HOST_SECRET_ENV]: value } });
    expect(secrets.source).toBe('env');
    expect(Buffer.from(secrets.hostSecret).toString('base64')).toBe(value);
  });

  it('refuses a short or malformed secret', () => {
    expect(() => loadOrCreateSecrets(dir, { env: { [HOST_SECRET_ENV]: 'c2hvcnQ=' } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_SECRET' }),
    );
    expect(() => loadOrCreateSecrets(dir, { env: { [HOST_SECRET_ENV]: 'not base64 !' } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_SECRET' }),
    );
  });

  it('never prints itself', () => {
    const secrets = loadOrCreateSecrets(dir, { env: {} });
    const fileText = readFileSync(path.join(dir, 'secrets', 'host.key'), 'utf8').trim();
    const printed = [JSON.stringify({ secrets }), inspect(secrets), String(secrets), `${secrets}`].join('\n');
    expect(printed).not.toContain(fileText);
    expect(printed).not.toContain(Buffer.from(secrets.hostSecret).toString('hex'));
    expect(printed).toContain('[redacted secrets]');
  });
});
