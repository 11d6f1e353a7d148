import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, TokenRejectedError } from '../../../gateway/index.ts';

describe('token verifier with a JWKS URL', () => {
  const server = createServer();
  const keys: Array<{ alg: 'ES256' | 'RS256' | 'EdDSA'; kid: string; privateKey: CryptoKey }> = [];
  let jwksUrl = '';

  beforeAll(async () => {
    const jwks: JWK[] = [];
    for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
      const pair = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
      const publicJwk = await exportJWK(pair.publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      jwks.push({ ...publicJwk, kid, alg, use: 'sig' });
      keys.push({ alg, kid, privateKey: pair.privateKey });
    }
    server.on('request', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: jwks }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('accepts ES256, RS256 and EdDSA tokens whose keys the JWKS publishes', async () => {
    const verify = createTokenVerifier({
      keys: { jwksUrl },
      issuer: 'https://idp.example',
      audience: 'cleanroom',
    });
    for (const key of keys) {
      const token = await new SignJWT({ role: 'QSR' })
        .setProtectedHeader({ alg: key.alg, kid: key.kid })
        .setSubject('qsr-burger')
        .setIssuer('https://idp.example')
        .setAudience('cleanroom')
        .setExpirationTime('5m')
        .sign(key.privateKey);
      expect(await verify(token), key.alg).toEqual({ id: 'qsr-burger', role: 'QSR' });
    }
  });

  it('tolerates 30 s of clock skew but not more', async () => {
    const verify = createTokenVerifier({
      keys: { jwksUrl },
      issuer: 'https://idp.example',
      audience: 'cleanroom',
    });
    const key = keys[0] as (typeof keys)[number];
    const sign = (exp: number) =>
      new SignJWT({ role: 'BRAND' })
        .setProtectedHeader({ alg: key.alg, kid: key.kid })
        .setSubject('brand-acme')
        .setIssuer('https://idp.example')
        .setAudience('cleanroom')
        .setExpirationTime(exp)
        .sign(key.privateKey);
    const now = Math.floor(Date.now() / 1000);
    expect(await verify(await sign(now - 10))).toEqual({ id: 'brand-acme', role: 'BRAND' });
    await expect(verify(await sign(now - 120))).rejects.toBeInstanceOf(TokenRejectedError);
  });
});
