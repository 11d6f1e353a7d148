/**
 * Which provider vouches for which subject: a partner with its own identity provider only through it, everyone
 * else through the host's provider and (only when on) the development key; and which principals may act.
 */
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEV_ISSUER,
  GATEWAY_AUDIENCE,
  TokenRejectedError,
  createStandInContracts,
  createTokenAuthenticator,
  mintDevToken,
} from '../../../gateway/index.ts';
import type { DevKeyPair, TokenAuthenticatorOptions, TokenRefusalReason } from '../../../gateway/index.ts';
import { brandContract, qsrContract } from '../support/harness.ts';

type Key = { kid: string; privateKey: CryptoKey; publicJwk: JWK };

async function makeKey(): Promise<Key> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateKey: pair.privateKey, publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' } };
}

async function devPair(): Promise<DevKeyPair> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(pair.privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  const { d: _d, ...publicPart } = privateJwk;
  return {
    kid,
    privateJwk: { ...privateJwk, kid },
    publicJwk: { ...publicPart, kid, alg: 'EdDSA', use: 'sig' },
  };
}

const ACME_IDP = 'https://login.acme.example';
const ZEST_IDP = 'https://id.zest.example';
const HOST_IDP = 'https://sso.retailer.example';

function sign(key: Key, claims: JWTPayload): Promise<string> {
  return new SignJWT({ role: 'BRAND', aud: GATEWAY_AUDIENCE, ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

/** The admitted principal, or the refusal reason. */
async function outcome(promise: Promise<{ principal: unknown }>): Promise<unknown> {
  try {
    return (await promise).principal;
  } catch (error) {
    if (error instanceof TokenRejectedError) return error.reason;
    throw error;
  }
}

describe('createTokenAuthenticator', () => {
  let acmeKey: Key;
  let zestKey: Key;
  let hostKey: Key;
  let dev: DevKeyPair;
  let contracts: ReturnType<typeof createStandInContracts>;
  let options: TokenAuthenticatorOptions;

  beforeAll(async () => {
    [acmeKey, zestKey, hostKey, dev] = [await makeKey(), await makeKey(), await makeKey(), await devPair()];
    contracts = createStandInContracts([
      brandContract('brand-acme', {
        identityProvider: { issuer: ACME_IDP, audience: 'acme-to-cleanroom', keys: [acmeKey.publicJwk] },
      }),
      brandContract('brand-zest', {
        identityProvider: { issuer: ZEST_IDP, audience: GATEWAY_AUDIENCE, keys: [zestKey.publicJwk] },
      }),
      brandContract('brand-plain'),
      qsrContract('qsr-burger'),
    ]);
    options = {
      contracts,
      hostProvider: {
        keys: { publicKeys: [hostKey.publicJwk] },
        issuer: HOST_IDP,
        audience: GATEWAY_AUDIENCE,
      },
      devKeys: dev,
      hostPrincipals: [
        { id: 'dpo', role: 'PRIVACY_OFFICER' },
        { id: 'host-ops', role: 'HOST_ADMIN' },
        'auditor',
      ],
    };
  });

  it("accepts a partner's token only from its own provider, with its own issuer and audience", async () => {
    const authenticate = createTokenAuthenticator(options);
    const acme = { sub: 'brand-acme', iss: ACME_IDP, aud: 'acme-to-cleanroom' };
    expect(await outcome(authenticate(await sign(acmeKey, acme)))).toEqual({
      id: 'brand-acme',
      role: 'BRAND',
    });
    const cases: Array<[string, Promise<string>, TokenRefusalReason]> = [
      ["another partner's provider", sign(zestKey, { ...acme, iss: ZEST_IDP }), 'KEY_NOT_FOUND'],
      [
        "another partner's key under acme's kid",
        sign({ ...zestKey, kid: acmeKey.kid }, acme),
        'BAD_SIGNATURE',
      ],
      [
        "the host's provider",
        sign(hostKey, { ...acme, iss: HOST_IDP, aud: GATEWAY_AUDIENCE }),
        'KEY_NOT_FOUND',
      ],
      ['a development token', mintDevToken(dev, { partnerId: 'brand-acme', role: 'BRAND' }), 'KEY_NOT_FOUND'],
      [
        "acme's key, the gateway's audience",
        sign(acmeKey, { ...acme, aud: GATEWAY_AUDIENCE }),
        'WRONG_AUDIENCE',
      ],
      ["acme's key, another issuer", sign(acmeKey, { ...acme, iss: ZEST_IDP }), 'WRONG_ISSUER'],
      ["acme's key, zest's subject", sign(acmeKey, { ...acme, sub: 'brand-zest' }), 'KEY_NOT_FOUND'],
      [
        "acme's key, a partner without a provider",
        sign(acmeKey, { ...acme, sub: 'brand-plain' }),
        'KEY_NOT_FOUND',
      ],
      ["acme's key, a host role", sign(acmeKey, { ...acme, role: 'HOST_ADMIN' }), 'ROLE_NOT_ALLOWED'],
      ["acme's key, the QSR role", sign(acmeKey, { ...acme, role: 'QSR' }), 'ROLE_NOT_ALLOWED'],
    ];
    for (const [name, token, reason] of cases)
      expect(await outcome(authenticate(await token)), name).toBe(reason);
  });

  it('verifies everyone else against the host provider and the development key', async () => {
    const authenticate = createTokenAuthenticator(options);
    const host = { iss: HOST_IDP };
    expect(await outcome(authenticate(await sign(hostKey, { ...host, sub: 'brand-plain' })))).toEqual({
      id: 'brand-plain',
      role: 'BRAND',
    });
    expect(
      await outcome(authenticate(await mintDevToken(dev, { partnerId: 'qsr-burger', role: 'QSR' }))),
    ).toEqual({
      id: 'qsr-burger',
      role: 'QSR',
    });
    expect(
      await outcome(authenticate(await sign(hostKey, { ...host, sub: 'dpo', role: 'PRIVACY_OFFICER' }))),
    ).toEqual({ id: 'dpo', role: 'PRIVACY_OFFICER' });
    // A bare id may take either host role.
    expect(
      await outcome(authenticate(await sign(hostKey, { ...host, sub: 'auditor', role: 'HOST_ADMIN' }))),
    ).toEqual({ id: 'auditor', role: 'HOST_ADMIN' });
    const cases: Array<[string, Promise<string>, TokenRefusalReason]> = [
      ['dpo as HOST_ADMIN', sign(hostKey, { ...host, sub: 'dpo', role: 'HOST_ADMIN' }), 'ROLE_NOT_ALLOWED'],
      [
        'an id the host does not list',
        sign(hostKey, { ...host, sub: 'intruder', role: 'HOST_ADMIN' }),
        'UNKNOWN_PRINCIPAL',
      ],
      [
        'a partner as a host role',
        sign(hostKey, { ...host, sub: 'brand-plain', role: 'HOST_ADMIN' }),
        'ROLE_NOT_ALLOWED',
      ],
      [
        'a host principal as a partner',
        sign(hostKey, { ...host, sub: 'dpo', role: 'BRAND' }),
        'ROLE_NOT_ALLOWED',
      ],
      ['a partner without a contract', sign(hostKey, { ...host, sub: 'brand-gone' }), 'UNKNOWN_PRINCIPAL'],
      ['the wrong kind', sign(hostKey, { ...host, sub: 'qsr-burger', role: 'BRAND' }), 'ROLE_NOT_ALLOWED'],
      // Signed by the development key but naming another issuer: the key that verifies it explains the refusal.
      [
        'a development token with a foreign issuer',
        mintDevToken(dev, { partnerId: 'brand-plain', role: 'BRAND', issuer: 'https://elsewhere.example' }),
        'WRONG_ISSUER',
      ],
      ['an unknown key', sign(acmeKey, { ...host, sub: 'brand-plain' }), 'KEY_NOT_FOUND'],
      ['no sub', sign(hostKey, { ...host }), 'MISSING_CLAIM'],
    ];
    for (const [name, token, reason] of cases)
      expect(await outcome(authenticate(await token)), name).toBe(reason);
  });

  it('says until when an admitted token stays valid: its exp plus the clock tolerance', async () => {
    const exp = Math.floor(Date.now() / 1000) + 120;
    const token = await new SignJWT({
      role: 'BRAND',
      sub: 'brand-plain',
      iss: HOST_IDP,
      aud: GATEWAY_AUDIENCE,
      exp,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: hostKey.kid })
      .sign(hostKey.privateKey);
    expect((await createTokenAuthenticator(options)(token)).validUntilMs).toBe((exp + 5) * 1000);
    const strict = createTokenAuthenticator({ ...options, clockToleranceSeconds: 0 });
    expect((await strict(token)).validUntilMs).toBe(exp * 1000);
  });

  it('refuses an unreasonable clock tolerance at once', () => {
    expect(() => createTokenAuthenticator({ contracts, devKeys: null, clockToleranceSeconds: 301 })).toThrow(
      RangeError,
    );
  });

  it('refuses development tokens when they are off', async () => {
    const authenticate = createTokenAuthenticator({ ...options, devKeys: null });
    const token = await mintDevToken(dev, { partnerId: 'brand-plain', role: 'BRAND' });
    expect(await outcome(authenticate(token))).toBe('KEY_NOT_FOUND');
    const nothing = createTokenAuthenticator({ contracts, devKeys: null });
    expect(await outcome(nothing(token))).toBe('KEY_NOT_FOUND');
    expect(DEV_ISSUER).toBe('cleanroom-dev');
  });

  it('refuses an unsigned, HMAC or unparsable token before choosing a provider', async () => {
    const authenticate = createTokenAuthenticator(options);
    const payload = Buffer.from(JSON.stringify({ sub: 'brand-acme', role: 'BRAND' })).toString('base64url');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    const hs256 = await new SignJWT({
      sub: 'brand-plain',
      role: 'BRAND',
      iss: HOST_IDP,
      aud: GATEWAY_AUDIENCE,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(hostKey.publicJwk)));
    expect(await outcome(authenticate(none))).toBe('ALG_NOT_ALLOWED');
    expect(await outcome(authenticate(hs256))).toBe('ALG_NOT_ALLOWED');
    expect(await outcome(authenticate('e30.e30.e30'))).toBe('MALFORMED_TOKEN');
    expect(await outcome(authenticate('%%%'))).toBe('MALFORMED_TOKEN');
  });

  it("follows a contract's provider as soon as the contract changes", async () => {
    const authenticate = createTokenAuthenticator(options);
    const rotated = await makeKey();
    const claims = { sub: 'brand-zest', iss: ZEST_IDP };
    const before = await sign(zestKey, claims);
    expect(await outcome(authenticate(before))).toEqual({ id: 'brand-zest', role: 'BRAND' });
    contracts.upsert(
      JSON.stringify(
        brandContract('brand-zest', {
          identityProvider: { issuer: ZEST_IDP, audience: GATEWAY_AUDIENCE, keys: [rotated.publicJwk] },
        }),
      ),
    );
    expect(await outcome(authenticate(await sign(rotated, claims)))).toEqual({
      id: 'brand-zest',
      role: 'BRAND',
    });
    expect(await outcome(authenticate(before))).toBe('KEY_NOT_FOUND');
    // Dropping the provider sends the partner back to the host's.
    contracts.upsert(JSON.stringify(brandContract('brand-zest')));
    expect(await outcome(authenticate(await sign(rotated, claims)))).toBe('KEY_NOT_FOUND');
    expect(await outcome(authenticate(await sign(hostKey, { ...claims, iss: HOST_IDP })))).toEqual({
      id: 'brand-zest',
      role: 'BRAND',
    });
  });
});
