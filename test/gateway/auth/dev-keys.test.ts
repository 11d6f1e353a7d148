import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenVerifier, loadOrCreateDevKeyPair, mintDevToken } from '../../../gateway/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

describe('development signing key', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });

  it('is created owner-only under <dataDir>/secrets and reused', async () => {
    const dataDir = createTempDir('devkey');
    dirs.push(dataDir);
    const first = await loadOrCreateDevKeyPair(dataDir);
    const second = await loadOrCreateDevKeyPair(dataDir);
    expect(second.kid).toBe(first.kid);
    expect(first.publicJwk).not.toHaveProperty('d');
    const secrets = path.join(dataDir, 'secrets');
    expect(fs.statSync(secrets).mode & 0o777).toBe(0o700);
    for (const file of fs.readdirSync(secrets))
      expect(fs.statSync(path.join(secrets, file)).mode & 0o777).toBe(0o600);
  });

  it('mints tokens the verifier accepts', async () => {
    const dataDir = createTempDir('devkey');
    dirs.push(dataDir);
    const pair = await loadOrCreateDevKeyPair(dataDir);
    const token = await mintDevToken(pair, { partnerId: 'brand-acme', role: 'BRAND', ttl: '5m' });
    const verify = createTokenVerifier({
      keys: { publicKeys: [pair.publicJwk] },
      issuer: 'cleanroom-dev',
      audience: 'cleanroom-gateway',
    });
    expect(await verify(token)).toEqual({ id: 'brand-acme', role: 'BRAND' });
  });

  it('is what `cleanroom token` signs with', () => {
    const dataDir = createTempDir('devkey');
    dirs.push(dataDir);
    const output = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/cleanroom.ts',
        'token',
        '--partner',
        'burger-barn',
        '--role',
        'QSR',
        '--ttl',
        '2h',
        '--data-dir',
        dataDir,
      ],
      { encoding: 'utf8' },
    ).trim();
    const claims = decodeJwt(output);
    expect(claims).toMatchObject({
      sub: 'burger-barn',
      role: 'QSR',
      iss: 'cleanroom-dev',
      aud: 'cleanroom-gateway',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(7_200);
    expect(decodeProtectedHeader(output).alg).toBe('EdDSA');
  });
});
