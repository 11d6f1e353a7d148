/**
 * A graphql-ws connection lives as long as its token: when the token expires (plus the clock tolerance, here 0),
 * the gateway closes it with 4401 TOKEN_EXPIRED, as a new request with that token would be refused.
 */
import { SignJWT, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER, GATEWAY_AUDIENCE, WS_CLOSE_UNAUTHORIZED } from '../../../gateway/index.ts';
import type { DevKeyPair } from '../../../gateway/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, wsClient } from '../support/clients.ts';
import { startHarness } from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

describe('graphql-ws and token expiry', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ overrides: { auth: { clockToleranceSeconds: 0 } } });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('closes a live subscription with 4401 TOKEN_EXPIRED once its token expires', async () => {
    const pair = harness.gateway.devKeys as DevKeyPair;
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ role: 'BRAND' })
      .setProtectedHeader({ alg: 'EdDSA', kid: pair.kid })
      .setSubject('brand-acme')
      .setIssuer(DEV_ISSUER)
      .setAudience(GATEWAY_AUDIENCE)
      .setExpirationTime(expiresAt)
      .sign(await importJWK(pair.privateJwk, 'EdDSA'));
    const client = wsClient(harness.url, token);
    const live = collect(client, 'subscription { audienceSignals { segmentId action } }', 'audienceSignals');
    // Subscribed and open while the token is valid...
    await waitFor(() =>
      harness.gateway.metrics.subscribers.get().then((metric) => metric.values.some((v) => v.value > 0)),
    );
    expect(live.errors).toEqual([]);
    // ...and closed by the gateway once it is not.
    await waitFor(() => live.errors.length > 0, { timeout: 10_000, message: 'the close at expiry' });
    expect(live.errors[0]).toMatchObject({ code: WS_CLOSE_UNAUTHORIZED, reason: 'TOKEN_EXPIRED' });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000);
    await client.dispose();
  });
});
