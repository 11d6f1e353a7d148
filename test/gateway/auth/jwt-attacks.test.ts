/**
 * The JWT attack corpus: every token here must be refused with UNAUTHENTICATED (HTTP and WebSocket), while
 * a well-formed token of a known partner is accepted.
 */
import { SignJWT, UnsecuredJWT, base64url, generateKeyPair, importJWK } from 'jose';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER, GATEWAY_AUDIENCE } from '../../../gateway/index.ts';
import type { DevKeyPair } from '../../../gateway/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, errorCodes, wsClient } from '../support/clients.ts';
import { codes, startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

const now = () => Math.floor(Date.now() / 1000);

async function signWith(
  pair: DevKeyPair,
  claims: JWTPayload,
  header: { kid?: string } = {},
): Promise<string> {
  const key = await importJWK(pair.privateJwk, 'EdDSA');
  return new SignJWT({ role: 'BRAND', ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: header.kid ?? pair.kid })
    .sign(key);
}

const valid = (): JWTPayload => ({
  sub: 'brand-acme',
  iss: DEV_ISSUER,
  aud: GATEWAY_AUDIENCE,
  iat: now(),
  exp: now() + 600,
});

describe('JWT attack corpus', () => {
  let harness: Harness;
  let pair: DevKeyPair;
  const corpus: Array<[string, () => Promise<string>]> = [];

  beforeAll(async () => {
    harness = await startHarness();
    pair = harness.gateway.devKeys as DevKeyPair;
    const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    corpus.push(
      ['alg none', async () => new UnsecuredJWT({ role: 'BRAND', ...valid() }).encode()],
      [
        'HS256 signed with the public key',
        async () =>
          new SignJWT({ role: 'BRAND', ...valid() })
            .setProtectedHeader({ alg: 'HS256', kid: pair.kid })
            .sign(new TextEncoder().encode(JSON.stringify(pair.publicJwk))),
      ],
      [
        'HS256 signed with the raw public key bytes',
        async () =>
          new SignJWT({ role: 'BRAND', ...valid() })
            .setProtectedHeader({ alg: 'HS256', kid: pair.kid })
            .sign(base64url.decode(String(pair.publicJwk.x))),
      ],
      ['expired', async () => signWith(pair, { ...valid(), iat: now() - 3_600, exp: now() - 120 })],
      ['not yet valid', async () => signWith(pair, { ...valid(), nbf: now() + 300 })],
      ['wrong issuer', async () => signWith(pair, { ...valid(), iss: 'someone-else' })],
      ['wrong audience', async () => signWith(pair, { ...valid(), aud: 'another-api' })],
      [
        'no expiry',
        async () => signWith(pair, { sub: 'brand-acme', iss: DEV_ISSUER, aud: GATEWAY_AUDIENCE }),
      ],
      [
        'unknown kid',
        async () =>
          new SignJWT({ role: 'BRAND', ...valid() })
            .setProtectedHeader({ alg: 'EdDSA', kid: 'not-a-known-key' })
            .sign(stranger.privateKey),
      ],
      [
        'another key claiming our kid',
        async () =>
          new SignJWT({ role: 'BRAND', ...valid() })
            .setProtectedHeader({ alg: 'EdDSA', kid: pair.kid })
            .sign(stranger.privateKey),
      ],
      [
        'tampered payload',
        async () => {
          const [header, , signature] = (await signWith(pair, { ...valid(), sub: 'brand-zest' })).split('.');
          const forged = base64url.encode(
            JSON.stringify({ role: 'HOST_ADMIN', ...valid(), sub: 'brand-zest' }),
          );
          return `${header}.${forged}.${signature}`;
        },
      ],
      ['partner without a contract', async () => signWith(pair, { ...valid(), sub: 'brand-unknown' })],
      ['role the contract does not have', async () => signWith(pair, { ...valid(), role: 'QSR' })],
      ['unknown role', async () => signWith(pair, { ...valid(), role: 'ROOT' })],
      ['garbage', async () => 'not.a.jwt'],
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  it('accepts a well-formed token of a known partner', async () => {
    const response = await harness.gql('{ me { id role } }', {}, await signWith(pair, valid()));
    expect(response.data?.['me']).toEqual({ id: 'brand-acme', role: 'BRAND' });
  });

  it('refuses every token of the corpus over HTTP with UNAUTHENTICATED', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
    for (const [name, make] of corpus) {
      const response = await harness.gql('{ me { id role } }', {}, await make());
      expect(codes(response), name).toEqual(['UNAUTHENTICATED']);
      expect(response.data ?? null, name).toBeNull();
    }
  });

  it('refuses a malformed Authorization header', async () => {
    const response = await fetch(harness.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    const body = (await response.json()) as Parameters<typeof codes>[0];
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
  });

  it('closes WebSocket connections that present corpus tokens', async () => {
    for (const [name, make] of corpus.slice(0, 4)) {
      const client = wsClient(harness.url, await make());
      const running = collect(client, 'subscription { policyDecisionLogged { id } }', 'policyDecisionLogged');
      await waitFor(() => running.errors.length > 0, { message: name });
      // graphql-ws refuses the connection itself: close code 4403 (Forbidden), before any operation runs.
      expect((running.errors[0] as { code?: unknown }).code, name).toBe(4403);
      await client.dispose();
    }
  });

  it('answers anonymous subscriptions over WebSocket with UNAUTHENTICATED', async () => {
    const client = wsClient(harness.url);
    const running = collect(client, 'subscription { policyDecisionLogged { id } }', 'policyDecisionLogged');
    await waitFor(() => running.errors.length > 0);
    expect(errorCodes(running.errors)).toEqual(['UNAUTHENTICATED']);
    await client.dispose();
  });
});
