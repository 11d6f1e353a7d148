/**
 * One identity provider's verifier against a real JWKS over HTTP on 127.0.0.1: algorithms, every refusal reason,
 * the clock tolerance (on an injected clock), tokens without `kid`, and a provider that cannot be reached.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  TokenRejectedError,
  createClaimsVerifier,
  createTokenVerifier,
} from '../../../gateway/index.ts';
import type { TokenRefusalReason } from '../../../gateway/index.ts';

const ISSUER = 'https://idp.example';
const AUDIENCE = 'cleanroom';
const NOW = new Date('2026-11-01T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

type Key = { alg: 'ES256' | 'RS256' | 'EdDSA'; kid: string; privateKey: CryptoKey; publicJwk: JWK };

async function makeKey(alg: Key['alg']): Promise<Key> {
  const pair = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const publicJwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { alg, kid, privateKey: pair.privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

function sign(key: Key, claims: JWTPayload, header: { kid?: string | null } = {}): Promise<string> {
  const kid = header.kid === undefined ? key.kid : header.kid;
  return new SignJWT({
    role: 'BRAND',
    sub: 'brand-acme',
    iss: ISSUER,
    aud: AUDIENCE,
    exp: nowSeconds + 300,
    ...claims,
  })
    .setProtectedHeader(kid === null ? { alg: key.alg } : { alg: key.alg, kid })
    .sign(key.privateKey);
}

async function reasonOf(promise: Promise<unknown>): Promise<TokenRefusalReason | 'accepted'> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof TokenRejectedError) return error.reason;
    throw error;
  }
}

describe('token verifier', () => {
  const server = createServer();
  const keys: Key[] = [];
  let jwksUrl = '';
  let failingUrl = '';

  beforeAll(async () => {
    for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) keys.push(await makeKey(alg));
    server.on('request', (request, response) => {
      if (request.url === '/broken') {
        response.writeHead(503).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    jwksUrl = `${base}/.well-known/jwks.json`;
    failingUrl = `${base}/broken`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const verifier = (options: { clockToleranceSeconds?: number; url?: string } = {}) =>
    createTokenVerifier({
      keys: { jwksUrl: options.url ?? jwksUrl },
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW,
      ...(options.clockToleranceSeconds !== undefined
        ? { clockToleranceSeconds: options.clockToleranceSeconds }
        : {}),
    });

  it('accepts ES256, RS256 and EdDSA tokens whose keys the JWKS publishes', async () => {
    const verify = verifier();
    for (const key of keys) {
      expect(await verify(await sign(key, { role: 'QSR', sub: 'qsr-burger' })), key.alg).toEqual({
        id: 'qsr-burger',
        role: 'QSR',
      });
    }
  });

  it(`tolerates ${DEFAULT_CLOCK_TOLERANCE_SECONDS} s of clock skew by default on exp, nbf and iat, and no more`, async () => {
    const verify = verifier();
    const key = keys[2]!;
    const edge = DEFAULT_CLOCK_TOLERANCE_SECONDS;
    expect(await reasonOf(verify(await sign(key, { exp: nowSeconds - edge + 1 })))).toBe('accepted');
    expect(await reasonOf(verify(await sign(key, { exp: nowSeconds - edge })))).toBe('TOKEN_EXPIRED');
    expect(await reasonOf(verify(await sign(key, { nbf: nowSeconds + edge })))).toBe('accepted');
    expect(await reasonOf(verify(await sign(key, { nbf: nowSeconds + edge + 1 })))).toBe('NOT_YET_VALID');
    expect(await reasonOf(verify(await sign(key, { iat: nowSeconds + edge })))).toBe('accepted');
    expect(await reasonOf(verify(await sign(key, { iat: nowSeconds + edge + 1 })))).toBe('IAT_IN_FUTURE');
    // The case that used to pass: issued a year from now.
    expect(
      await reasonOf(
        verify(await sign(key, { iat: nowSeconds + 365 * 86_400, exp: nowSeconds + 400 * 86_400 })),
      ),
    ).toBe('IAT_IN_FUTURE');
  });

  it('takes a configured tolerance and refuses an unreasonable one', async () => {
    const strict = verifier({ clockToleranceSeconds: 0 });
    const lenient = verifier({ clockToleranceSeconds: 60 });
    const token = await sign(keys[0]!, { exp: nowSeconds - 30 });
    expect(await reasonOf(strict(token))).toBe('TOKEN_EXPIRED');
    expect(await reasonOf(lenient(token))).toBe('accepted');
    expect(() => verifier({ clockToleranceSeconds: 301 })).toThrow(RangeError);
    expect(() => verifier({ clockToleranceSeconds: -1 })).toThrow(RangeError);
  });

  it('names the reason of every refusal', async () => {
    const verify = verifier();
    const [es256, rs256, eddsa] = keys as [Key, Key, Key];
    const stranger = await makeKey('EdDSA');
    const cases: Array<[string, Promise<string> | string, TokenRefusalReason]> = [
      ['wrong issuer', sign(eddsa, { iss: 'https://other.example' }), 'WRONG_ISSUER'],
      ['wrong audience', sign(eddsa, { aud: 'someone-else' }), 'WRONG_AUDIENCE'],
      ['no exp', sign(eddsa, { exp: undefined }), 'MISSING_CLAIM'],
      ['no aud', sign(eddsa, { aud: undefined }), 'MISSING_CLAIM'],
      ['exp not a number', sign(eddsa, { exp: 'tomorrow' as unknown as number }), 'MALFORMED_TOKEN'],
      ['unknown kid', sign(stranger, {}), 'KEY_NOT_FOUND'],
      ['a stranger claiming a published kid', sign(stranger, {}, { kid: eddsa.kid }), 'BAD_SIGNATURE'],
      ['ES256 signature under the RS256 kid', sign(es256, {}, { kid: rs256.kid }), 'KEY_NOT_FOUND'],
      ['garbage', 'not.a.jwt', 'MALFORMED_TOKEN'],
      ['two parts', 'eyJhbGciOiJFZERTQSJ9.e30', 'MALFORMED_TOKEN'],
      ['unknown role', sign(eddsa, { role: 'ROOT' }), 'ROLE_NOT_ALLOWED'],
      ['no role', sign(eddsa, { role: undefined }), 'MISSING_CLAIM'],
    ];
    for (const [name, token, reason] of cases) expect(await reasonOf(verify(await token)), name).toBe(reason);
    const missing = await verify(await sign(eddsa, { exp: undefined })).catch((error: unknown) => error);
    expect((missing as TokenRejectedError).claim).toBe('exp');
  });

  it('finds the signer among several keys when the token has no kid', async () => {
    const second = await makeKey('EdDSA');
    const verify = createClaimsVerifier({
      keys: { publicKeys: [keys[2]!.publicJwk, { ...second.publicJwk, kid: undefined }] },
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW,
    });
    expect((await verify(await sign(second, {}, { kid: null }))).sub).toBe('brand-acme');
    expect((await verify(await sign(keys[2]!, {}, { kid: null }))).sub).toBe('brand-acme');
    const stranger = await makeKey('EdDSA');
    expect(await reasonOf(verify(await sign(stranger, {}, { kid: null })))).toBe('BAD_SIGNATURE');
  });

  it('says KEYS_UNAVAILABLE when the JWKS cannot be fetched', async () => {
    const verify = verifier({ url: failingUrl });
    expect(await reasonOf(verify(await sign(keys[0]!, {})))).toBe('KEYS_UNAVAILABLE');
    const closedPort = createServer();
    await new Promise<void>((resolve) => closedPort.listen(0, '127.0.0.1', () => resolve()));
    const { port } = closedPort.address() as AddressInfo;
    await new Promise<void>((resolve) => closedPort.close(() => resolve()));
    const unreachable = verifier({ url: `http://127.0.0.1:${port}/jwks.json` });
    expect(await reasonOf(unreachable(await sign(keys[0]!, {})))).toBe('KEYS_UNAVAILABLE');
  });
});
