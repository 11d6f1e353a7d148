/**
 * A partner brings its own identity provider: a real JWKS server on 127.0.0.1, a contract upserted through the API
 * that names it, real HTTP and graphql-ws clients. Its tokens are accepted from its provider only, and a key rotated
 * mid-test is followed (the new key accepted once published, the rotated-out key refused with its reason).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_AUDIENCE, WS_CLOSE_UNAUTHORIZED } from '../../gateway/index.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { codes, startHarness } from '../gateway/support/harness.ts';
import type { GqlResponse, Harness } from '../gateway/support/harness.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ISSUER = 'https://login.brand-idp.example';
const AUDIENCE = 'cleanroom-for-brand-idp';

type Key = { kid: string; alg: 'ES256' | 'RS256'; privateKey: CryptoKey; publicJwk: JWK };

async function makeKey(alg: Key['alg']): Promise<Key> {
  const pair = await generateKeyPair(alg);
  const publicJwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, alg, privateKey: pair.privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

function idpToken(key: Key, claims: JWTPayload = {}): Promise<string> {
  return new SignJWT({ role: 'BRAND', sub: 'brand-idp', iss: ISSUER, aud: AUDIENCE, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key.privateKey);
}

function contractDocument(identityProvider: string): string {
  return `partnerId: brand-idp
kind: BRAND
purposes: [measurement]
visibility:
  segments: [seg-plant]
identityProvider:
${identityProvider}`;
}

const me = (response: GqlResponse): unknown =>
  response.data?.['me'] ?? response.errors?.[0]?.extensions?.['reason'];

describe("a partner's own identity provider", () => {
  const jwks = createServer();
  let published: Key[] = [];
  let fetches = 0;
  let jwksUrl = '';
  let harness: Harness;
  let admin: string;
  let first: Key;
  let second: Key;

  const upsert = (document: string): Promise<GqlResponse> =>
    harness.gql(
      'mutation ($document: String!) { upsertContract(input: { document: $document }) { partnerId kind version } }',
      { document },
      admin,
    );
  const whoAmI = async (token: string): Promise<unknown> =>
    me(await harness.gql('{ me { id role } }', {}, token));

  beforeAll(async () => {
    [first, second] = [await makeKey('ES256'), await makeKey('RS256')];
    published = [first];
    jwks.on('request', (_request, response) => {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', () => resolve()));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    harness = await startHarness({
      mode: 'policies',
      overrides: {
        auth: {
          hostPrincipals: ['officer-1', 'ops-1'],
          devTokens: true,
          // Short cache times so the test sees a refetch and an expiry without waiting minutes.
          jwks: { cooldownMs: 200, cacheMaxAgeMs: 1_500 },
        },
      },
    });
    admin = await harness.token('ops-1', 'HOST_ADMIN');
  });
  afterAll(async () => {
    await harness.close();
    jwks.closeAllConnections();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  it('accepts its tokens once HOST_ADMIN upserts a contract naming the provider, over HTTP and graphql-ws', async () => {
    expect(await whoAmI(await idpToken(first))).toBe('KEY_NOT_FOUND');
    const upserted = await upsert(
      contractDocument(`  issuer: ${ISSUER}\n  audience: ${AUDIENCE}\n  jwksUrl: ${jwksUrl}`),
    );
    expect(upserted.errors).toBeUndefined();
    expect(upserted.data?.['upsertContract']).toMatchObject({ partnerId: 'brand-idp', kind: 'BRAND' });
    expect(await whoAmI(await idpToken(first))).toEqual({ id: 'brand-idp', role: 'BRAND' });

    const client = wsClient(harness.url, await idpToken(first));
    const answer = collect<{ id: string }>(client, '{ me { id role } }', 'me');
    await waitFor(() => answer.completed);
    expect(answer.errors).toEqual([]);
    expect(answer.items).toEqual([{ id: 'brand-idp', role: 'BRAND' }]);
    await client.dispose();
  });

  it("refuses the partner's subject from any other provider, and other subjects from the partner's", async () => {
    const cases: Array<[string, Promise<string>, string]> = [
      ['a development token', harness.token('brand-idp', 'BRAND'), 'KEY_NOT_FOUND'],
      [
        "the provider's key for a partner without one",
        idpToken(first, { sub: 'brand-acme' }),
        'KEY_NOT_FOUND',
      ],
      [
        "the provider's key for a host principal",
        idpToken(first, { sub: 'ops-1', role: 'HOST_ADMIN' }),
        'KEY_NOT_FOUND',
      ],
      [
        'the gateway audience instead of its own',
        idpToken(first, { aud: GATEWAY_AUDIENCE }),
        'WRONG_AUDIENCE',
      ],
      ['another issuer', idpToken(first, { iss: 'https://evil.example' }), 'WRONG_ISSUER'],
      ['a host role', idpToken(first, { role: 'HOST_ADMIN' }), 'ROLE_NOT_ALLOWED'],
      ['a key not yet published', idpToken(second), 'KEY_NOT_FOUND'],
    ];
    for (const [name, token, reason] of cases) expect(await whoAmI(await token), name).toBe(reason);

    const client = wsClient(harness.url, await idpToken(first, { aud: GATEWAY_AUDIENCE }));
    const refused = collect(client, '{ me { id } }', 'me');
    await waitFor(() => refused.errors.length > 0);
    expect(refused.errors[0]).toMatchObject({ code: WS_CLOSE_UNAUTHORIZED, reason: 'WRONG_AUDIENCE' });
    await client.dispose();
  });

  it('follows a key rotation: the new key once published, the rotated-out key refused once withdrawn', async () => {
    // The provider publishes the next key beside the current one, then signs with it.
    published = [first, second];
    const next = await idpToken(second);
    await waitFor(async () => expect(await whoAmI(next)).toEqual({ id: 'brand-idp', role: 'BRAND' }), {
      timeout: 10_000,
      message: 'the new key accepted after a refetch',
    });
    expect(await whoAmI(await idpToken(first))).toEqual({ id: 'brand-idp', role: 'BRAND' });
    // Cached: many tokens, no fetch per token.
    const fetchesBefore = fetches;
    for (let index = 0; index < 20; index++)
      expect(await whoAmI(await idpToken(second))).toEqual({ id: 'brand-idp', role: 'BRAND' });
    expect(fetches - fetchesBefore).toBeLessThanOrEqual(1);

    // Then it withdraws the old key; once the cached set expires, the old key's tokens are refused.
    published = [second];
    const old = await idpToken(first);
    await waitFor(async () => expect(await whoAmI(old)).toBe('KEY_NOT_FOUND'), {
      timeout: 10_000,
      message: 'the rotated-out key refused',
    });
    expect(await whoAmI(await idpToken(second))).toEqual({ id: 'brand-idp', role: 'BRAND' });
    // Another key claiming the current kid under its own algorithm: no such key. A tampered payload under the
    // current key: a bad signature.
    expect(await whoAmI(await idpToken({ ...first, kid: second.kid, alg: 'ES256' }))).toBe('KEY_NOT_FOUND');
    const [header, , signature] = (await idpToken(second)).split('.');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'brand-idp', role: 'BRAND', iss: ISSUER, aud: AUDIENCE, exp: 9e9 }),
    );
    expect(await whoAmI(`${header}.${payload.toString('base64url')}.${signature}`)).toBe('BAD_SIGNATURE');
  });

  it('takes an upserted change of provider at once, and refuses an invalid one naming the field', async () => {
    const third = await makeKey('ES256');
    const changed = await upsert(
      contractDocument(
        `  issuer: https://new-idp.brand-idp.example\n  audience: [${AUDIENCE}]\n  keys:\n    - ${JSON.stringify(third.publicJwk)}`,
      ),
    );
    expect(changed.errors).toBeUndefined();
    expect(await whoAmI(await idpToken(third, { iss: 'https://new-idp.brand-idp.example' }))).toEqual({
      id: 'brand-idp',
      role: 'BRAND',
    });
    expect(await whoAmI(await idpToken(second))).toBe('KEY_NOT_FOUND');
    expect(await whoAmI(await idpToken(third))).toBe('WRONG_ISSUER');

    const invalid = await upsert(
      contractDocument(
        `  issuer: ${ISSUER}\n  audience: ${AUDIENCE}\n  jwksUrl: http://idp.brand-idp.example/jwks`,
      ),
    );
    expect(codes(invalid)).toEqual(['BAD_USER_INPUT']);
    expect(invalid.errors?.[0]?.message).toContain(
      'identityProvider.jwksUrl: must be an https URL (plain http only for a loopback address)',
    );
    const privateKey = await upsert(
      contractDocument(
        `  issuer: ${ISSUER}\n  audience: ${AUDIENCE}\n  keys:\n    - ${JSON.stringify(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey))}`,
      ),
    );
    expect(codes(privateKey)).toEqual(['BAD_USER_INPUT']);
    expect(privateKey.errors?.[0]?.message).toContain(
      'identityProvider.keys.0.d: a contract holds public keys only',
    );
    // The refused upserts changed nothing.
    expect(await whoAmI(await idpToken(third, { iss: 'https://new-idp.brand-idp.example' }))).toEqual({
      id: 'brand-idp',
      role: 'BRAND',
    });
  });
});
