/**
 * The JWT attack corpus: every token here must be refused with UNAUTHENTICATED and the reason it earned (HTTP and
 * WebSocket), without the answer echoing anything of the token, while a well-formed token of a known partner is
 * accepted.
 */
import { SignJWT, UnsecuredJWT, base64url, generateKeyPair, importJWK } from 'jose';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER, GATEWAY_AUDIENCE, WS_CLOSE_UNAUTHORIZED } from '../../../gateway/index.ts';
import type { DevKeyPair, TokenRefusalReason } from '../../../gateway/index.ts';
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
  const corpus: Array<[string, () => Promise<string>, TokenRefusalReason]> = [];

  beforeAll(async () => {
    harness = await startHarness();
    pair = harness.gateway.devKeys as DevKeyPair;
    const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    corpus.push(
      ['alg none', async () => new UnsecuredJWT({ role: 'BRAND', ...valid() }).encode(), 'ALG_NOT_ALLOWED'],
      [
        'HS256 signed with the public key',
        async () =>
          new SignJWT({ role: 'BRAND', ...valid() })
            .setProtectedHeader({ alg: 'HS256', kid: pair.kid })
            .sign(new TextEncoder().encode(JSON.stringify(pair.publicJwk))),
        'ALG_NOT_ALLOWED',
      ],
      [
        'HS256 signed with the raw public key bytes',
        async () =>
          new SignJWT({ role: 'BRAND', ...valid() })
            .setProtectedHeader({ alg: 'HS256', kid: pair.kid })
            .sign(base64url.decode(String(pair.publicJwk.x))),
        'ALG_NOT_ALLOWED',
      ],
      [
        'expired',
        async () => signWith(pair, { ...valid(), iat: now() - 3_600, exp: now() - 120 }),
        'TOKEN_EXPIRED',
      ],
      ['not yet valid', async () => signWith(pair, { ...valid(), nbf: now() + 300 }), 'NOT_YET_VALID'],
      [
        'issued a year from now',
        async () => signWith(pair, { ...valid(), iat: now() + 365 * 86_400, exp: now() + 400 * 86_400 }),
        'IAT_IN_FUTURE',
      ],
      ['wrong issuer', async () => signWith(pair, { ...valid(), iss: 'someone-else' }), 'WRONG_ISSUER'],
      ['wrong audience', async () => signWith(pair, { ...valid(), aud: 'another-api' }), 'WRONG_AUDIENCE'],
      [
        'no expiry',
        async () => signWith(pair, { sub: 'brand-acme', iss: DEV_ISSUER, aud: GATEWAY_AUDIENCE }),
        'MISSING_CLAIM',
      ],
      [
        'unknown kid',
        async () =>
          new SignJWT({ role: 'BRAND', ...valid() })
            .setProtectedHeader({ alg: 'EdDSA', kid: 'not-a-known-key' })
            .sign(stranger.privateKey),
        'KEY_NOT_FOUND',
      ],
      [
        'another key claiming our kid',
        async () =>
          new SignJWT({ role: 'BRAND', ...valid() })
            .setProtectedHeader({ alg: 'EdDSA', kid: pair.kid })
            .sign(stranger.privateKey),
        'BAD_SIGNATURE',
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
        'BAD_SIGNATURE',
      ],
      [
        'partner without a contract',
        async () => signWith(pair, { ...valid(), sub: 'brand-unknown' }),
        'UNKNOWN_PRINCIPAL',
      ],
      [
        'role the contract does not have',
        async () => signWith(pair, { ...valid(), role: 'QSR' }),
        'ROLE_NOT_ALLOWED',
      ],
      ['unknown role', async () => signWith(pair, { ...valid(), role: 'ROOT' }), 'ROLE_NOT_ALLOWED'],
      ['garbage', async () => 'not.a.jwt', 'MALFORMED_TOKEN'],
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  it('accepts a well-formed token of a known partner', async () => {
    const response = await harness.gql('{ me { id role } }', {}, await signWith(pair, valid()));
    expect(response.data?.['me']).toEqual({ id: 'brand-acme', role: 'BRAND' });
  });

  it('refuses every token of the corpus over HTTP with UNAUTHENTICATED and its reason', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(16);
    for (const [name, make, reason] of corpus) {
      const token = await make();
      const response = await harness.gql('{ me { id role } }', {}, token);
      expect(codes(response), name).toEqual(['UNAUTHENTICATED']);
      expect(response.errors?.[0]?.extensions?.['reason'], name).toBe(reason);
      expect(response.data ?? null, name).toBeNull();
      // The answer explains; it does not repeat the token, its subject or the gateway's keys.
      const text = JSON.stringify(response);
      for (const secret of [token, 'brand-unknown', 'brand-zest', 'someone-else', 'another-api', pair.kid])
        expect(text, name).not.toContain(secret);
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
    expect(body.errors?.[0]?.extensions?.['reason']).toBe('MALFORMED_TOKEN');
  });

  it('closes WebSocket connections that present corpus tokens with 4401 and the reason', async () => {
    for (const [name, make, reason] of corpus) {
      const client = wsClient(harness.url, await make());
      const running = collect(client, 'subscription { policyDecisionLogged { id } }', 'policyDecisionLogged');
      await waitFor(() => running.errors.length > 0, { message: name });
      // The connection itself is refused, before any operation runs: 4401 (graphql-ws's Unauthorized).
      const closed = running.errors[0] as { code?: unknown; reason?: unknown };
      expect(closed.code, name).toBe(WS_CLOSE_UNAUTHORIZED);
      expect(closed.reason, name).toBe(reason);
      expect(running.items, name).toEqual([]);
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
