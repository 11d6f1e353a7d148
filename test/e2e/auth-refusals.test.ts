/**
 * Refused tokens on the decision log, seen the way a privacy officer sees them: a real gateway on the real
 * policies/ audit log (SQLite), real HTTP and graphql-ws clients. A lone refusal is logged with its reason; a flood
 * of 10,000 bad tokens from one client becomes a handful of entries whose counts sum to 10,000; a refusal whose
 * entry cannot be written is still a refusal.
 */
import http from 'node:http';
import { SignJWT, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER, GATEWAY_AUDIENCE, WS_CLOSE_UNAUTHORIZED } from '../../gateway/index.ts';
import type { DevKeyPair } from '../../gateway/index.ts';
import { collect, wsClient } from '../gateway/support/clients.ts';
import { codes, startHarness } from '../gateway/support/harness.ts';
import type { GqlResponse, Harness } from '../gateway/support/harness.ts';
import { waitFor } from '../helpers/wait-for.ts';

interface Decision {
  sequence: number;
  at: string;
  principal: string;
  role: string | null;
  action: string;
  resource: string;
  effect: string;
  code: string | null;
  reasons: string[];
  rows: number | null;
}

const DECISION_FIELDS = 'sequence at principal role action resource effect code reasons rows';

async function expiredToken(pair: DevKeyPair, sub = 'brand-acme'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'BRAND' })
    .setProtectedHeader({ alg: 'EdDSA', kid: pair.kid })
    .setSubject(sub)
    .setIssuer(DEV_ISSUER)
    .setAudience(GATEWAY_AUDIENCE)
    .setIssuedAt(now - 7_200)
    .setExpirationTime(now - 3_600)
    .sign(await importJWK(pair.privateJwk, 'EdDSA'));
}

/** Every `auth.authenticate` decision, read by the privacy officer through `policyDecisions`, page by page. */
async function refusalsSeenByOfficer(harness: Harness, officer: string): Promise<Decision[]> {
  const decisions: Decision[] = [];
  let after: string | null = null;
  for (;;) {
    const page: GqlResponse = await harness.gql(
      `query ($after: String) {
        policyDecisions(filter: { action: "auth.authenticate" }, first: 90, after: $after) {
          edges { node { ${DECISION_FIELDS} } }
          pageInfo { hasNextPage endCursor }
        }
      }`,
      { after },
      officer,
    );
    expect(page.errors).toBeUndefined();
    const connection = page.data?.['policyDecisions'] as {
      edges: Array<{ node: Decision }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    decisions.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) return decisions;
    after = connection.pageInfo.endCursor;
  }
}

/** `cleanroom_gateway_auth_rejections_total{reason="BAD_SIGNATURE"}` of the gateway. */
async function badSignatureRefusals(harness: Harness): Promise<number> {
  const metric = await harness.gateway.metrics.authRejections.get();
  return metric.values.find((value) => value.labels['reason'] === 'BAD_SIGNATURE')?.value ?? 0;
}

describe('refused tokens on the decision log', () => {
  let harness: Harness;
  let officer: string;
  let pair: DevKeyPair;

  beforeAll(async () => {
    harness = await startHarness({ mode: 'policies' });
    officer = await harness.token('officer-1', 'PRIVACY_OFFICER');
    pair = harness.gateway.devKeys as DevKeyPair;
  });
  afterAll(async () => {
    await harness.close();
  });

  it('shows a refused token to the privacy officer as an anonymous UNAUTHENTICATED decision with its reason', async () => {
    const before = (await refusalsSeenByOfficer(harness, officer)).length;
    const response = await harness.gql('{ me { id } }', {}, await expiredToken(pair, 'brand-not-a-partner'));
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.errors?.[0]?.extensions?.['reason']).toBe('TOKEN_EXPIRED');
    expect(response.errors?.[0]?.message).toBe('the token has expired (exp)');
    // The entry was written before the answer left: it is there at once.
    const refusals = await refusalsSeenByOfficer(harness, officer);
    expect(refusals).toHaveLength(before + 1);
    const entry = refusals.at(-1)!;
    expect(entry).toMatchObject({
      principal: 'anonymous',
      role: null,
      action: 'auth.authenticate',
      effect: 'deny',
      code: 'UNAUTHENTICATED',
      reasons: ['TOKEN_EXPIRED', '1 refused'],
      rows: 1,
    });
    expect(entry.resource).toMatch(/^source:[0-9a-f]{16}$/);
    expect(JSON.stringify(refusals)).not.toContain('brand-not-a-partner');
    expect(JSON.stringify(refusals)).not.toContain('127.0.0.1');
    // The log still verifies.
    const verified = await harness.gql('{ verifyAuditLog { valid } }', {}, officer);
    expect(verified.data?.['verifyAuditLog']).toEqual({ valid: true });
  });

  it('logs a WebSocket connection refused for its token, closed with 4401 and the reason', async () => {
    const before = (await refusalsSeenByOfficer(harness, officer)).length;
    const client = wsClient(harness.url, 'not-a-jwt-at-all');
    const running = collect(client, 'subscription { policyDecisionLogged { id } }', 'policyDecisionLogged');
    await waitFor(() => running.errors.length > 0);
    expect(running.errors[0]).toMatchObject({ code: WS_CLOSE_UNAUTHORIZED, reason: 'MALFORMED_TOKEN' });
    await client.dispose();
    const refusals = await refusalsSeenByOfficer(harness, officer);
    expect(refusals.slice(before).map((entry) => entry.reasons[0])).toEqual(['MALFORMED_TOKEN']);
  });

  it('folds a flood of 10,000 bad tokens from one client into a handful of entries whose counts sum to 10,000', async () => {
    const before = await refusalsSeenByOfficer(harness, officer);
    const lastSequence = before.at(-1)?.sequence ?? -1;
    // A valid token with a forged payload: a bad signature.
    const [header, , signature] = (await harness.token('brand-acme', 'BRAND')).split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'brand-acme', role: 'HOST_ADMIN' })).toString(
      'base64url',
    );
    const forged = `${header}.${payload}.${signature}`;
    const total = 10_000;
    // Refusals of one source and reason wait for their folded entry (at most a second), so the flood comes over
    // many connections at once, as an attacker's would; plain node:http keeps the client's own cost low.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1_000 });
    // On a loaded machine the event loop can lag past the server's 5 s keep-alive timeout between a response and
    // the client's next request on that socket, which then meets a reset: keep idle sockets open for the flood.
    const keepAliveTimeout = harness.gateway.server.keepAliveTimeout;
    harness.gateway.server.keepAliveTimeout = 120_000;
    const refusalsBefore = await badSignatureRefusals(harness);
    const body = JSON.stringify({ query: '{ me { id } }' });
    const post = (): Promise<GqlResponse> =>
      new Promise((resolve, reject) => {
        const request = http.request(
          harness.url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization: `Bearer ${forged}`,
            },
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
            });
            response.on('end', () => resolve(JSON.parse(text) as GqlResponse));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    let sent = 0;
    const answers = new Map<string, number>();
    const started = Date.now();
    try {
      await Promise.all(
        Array.from({ length: 1_000 }, async () => {
          while (sent < total) {
            sent += 1;
            const response = await post();
            const key = `${codes(response).join()} ${String(response.errors?.[0]?.extensions?.['reason'])}`;
            answers.set(key, (answers.get(key) ?? 0) + 1);
          }
        }),
      );
    } finally {
      agent.destroy();
      harness.gateway.server.keepAliveTimeout = keepAliveTimeout;
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    expect(Object.fromEntries(answers)).toEqual({ 'UNAUTHENTICATED BAD_SIGNATURE': total });
    const flood = (await refusalsSeenByOfficer(harness, officer)).filter(
      (entry) => entry.sequence > lastSequence,
    );
    expect(flood.every((entry) => entry.reasons[0] === 'BAD_SIGNATURE')).toBe(true);
    expect(flood.reduce((sum, entry) => sum + (entry.rows ?? 0), 0)).toBe(total);
    // The gateway's own count of what it refused agrees.
    expect((await badSignatureRefusals(harness)) - refusalsBefore).toBe(total);
    // One source and one reason: at most one entry per second of flood, plus the first refusal's own entry.
    expect(flood.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds) + 2);
    expect(new Set(flood.map((entry) => entry.resource)).size).toBe(1);
    const times = flood.map((entry) => Date.parse(entry.at));
    for (let index = 1; index < times.length; index++)
      expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(1_000);
    process.stdout.write(
      `auth flood: ${total} refused tokens in ${elapsedSeconds.toFixed(1)} s -> ${flood.length} entries ` +
        `(${flood.map((entry) => entry.rows).join(' + ')})\n`,
    );
  }, 180_000);
});

describe('a refused token when the decision log cannot be written', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('is still refused with UNAUTHENTICATED and its reason, and the count reaches the log once it is back', async () => {
    const pair = harness.gateway.devKeys as DevKeyPair;
    const failuresBefore = (await harness.gateway.metrics.auditFailures.get()).values[0]?.value ?? 0;
    harness.audit.failAppends = true;
    const responses = await Promise.all(
      Array.from({ length: 5 }, async () => harness.gql('{ me { id } }', {}, await expiredToken(pair))),
    );
    for (const response of responses) {
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.errors?.[0]?.extensions?.['reason']).toBe('TOKEN_EXPIRED');
      expect(response.data ?? null).toBeNull();
    }
    const failuresAfter = (await harness.gateway.metrics.auditFailures.get()).values[0]?.value ?? 0;
    expect(failuresAfter).toBeGreaterThan(failuresBefore);
    expect(harness.audit.entries.filter((entry) => entry.action === 'auth.authenticate')).toEqual([]);
    harness.audit.failAppends = false;
    await waitFor(
      () =>
        harness.audit.entries
          .filter((entry) => entry.action === 'auth.authenticate')
          .reduce((sum, entry) => sum + (entry.result?.rows ?? 0), 0) === 5,
      { timeout: 10_000, message: 'the carried count on the log' },
    );
  });
});
