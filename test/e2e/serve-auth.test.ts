/**
 * `cleanroom serve` as a real process, without `--dev-tokens`: no development token is printed or accepted, a
 * partner whose contract file names its own identity provider (a real JWKS server on 127.0.0.1) signs in with its
 * provider's tokens, and the auth flags are checked before anything starts.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDevKeyPair, mintDevToken } from '../../gateway/index.ts';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(import.meta.dirname, '../..');
const ISSUER = 'https://id.oat-partner.example';
const HOST_ISSUER = 'https://sso.retailer.example';

type Signer = { kid: string; privateKey: CryptoKey; jwk: Record<string, unknown> };

async function makeSigner(): Promise<Signer> {
  const pair = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateKey: pair.privateKey, jwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } };
}

function sign(signer: Signer, subject: string, role: string, issuer: string): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'ES256', kid: signer.kid })
    .setSubject(subject)
    .setIssuer(issuer)
    .setAudience('cleanroom-gateway')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(signer.privateKey);
}

/** The refusal reason of an answer (`extensions.reason`). */
function reasonOf(answer: { errors?: Array<{ extensions?: object }> }): unknown {
  return (answer.errors?.[0]?.extensions as { reason?: unknown } | undefined)?.reason;
}

function serveUsage(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/cleanroom.ts', 'serve', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('cleanroom serve authentication', () => {
  const jwks = createServer();
  const dataDir = createTempDir('serve-auth');
  const contractsDir = createTempDir('serve-auth-contracts');
  let serve: ServeProcess | undefined;
  let partnerSigner: Signer;
  let hostSigner: Signer;

  beforeAll(async () => {
    [partnerSigner, hostSigner] = [await makeSigner(), await makeSigner()];
    jwks.on('request', (request, response) => {
      const key = request.url === '/host/jwks.json' ? hostSigner : partnerSigner;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    const jwksUrl = `${base}/partner/jwks.json`;
    for (const file of ['host.yaml', 'fresh-oats.yaml'])
      copyFileSync(path.join(root, 'examples/contracts', file), path.join(contractsDir, file));
    writeFileSync(
      path.join(contractsDir, 'oat-partner.yaml'),
      `partnerId: oat-partner
kind: BRAND
purposes: [measurement]
identityProvider:
  issuer: ${ISSUER}
  audience: cleanroom-gateway
  jwksUrl: ${jwksUrl}
`,
    );
    serve = await startServe({
      dataDir,
      args: ['--no-simulate', '--contracts', contractsDir, '--jwks-url', `${base}/host/jwks.json`],
      env: { CLEANROOM_TOKEN_ISSUER: HOST_ISSUER, CLEANROOM_CLOCK_TOLERANCE_SECONDS: '2' },
    });
  }, 120_000);

  afterAll(async () => {
    await serve?.stop();
    jwks.closeAllConnections();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
    removeTempDir(dataDir);
    removeTempDir(contractsDir);
  });

  it('prints no development token and accepts none without --dev-tokens', async () => {
    expect(serve!.tokens.size).toBe(0);
    expect(serve!.stdout()).toContain('development tokens: off');
    const devToken = await mintDevToken(await loadOrCreateDevKeyPair(dataDir), {
      partnerId: 'fresh-oats',
      role: 'BRAND',
    });
    const answer = await graphql(serve!.graphqlUrl, devToken, '{ me { id } }');
    expect(answer.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'KEY_NOT_FOUND' });
  });

  it("verifies a partner's token against the identity provider its contract file names", async () => {
    const token = await sign(partnerSigner, 'oat-partner', 'BRAND', ISSUER);
    const answer = await graphql<{ me: { id: string; role: string } }>(
      serve!.graphqlUrl,
      token,
      '{ me { id role } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.me).toEqual({ id: 'oat-partner', role: 'BRAND' });
    // Its provider's key speaks for nobody else; the host's provider does not speak for it.
    const elsewhere = [
      await sign(partnerSigner, 'fresh-oats', 'BRAND', ISSUER),
      await sign(hostSigner, 'oat-partner', 'BRAND', HOST_ISSUER),
    ];
    for (const other of elsewhere)
      expect(reasonOf(await graphql(serve!.graphqlUrl, other, '{ me { id } }'))).toBe('KEY_NOT_FOUND');
  });

  it('verifies host principals and partners without a provider against --jwks-url and the issuer', async () => {
    for (const [subject, role] of [
      ['dpo', 'PRIVACY_OFFICER'],
      ['fresh-oats', 'BRAND'],
    ]) {
      const answer = await graphql<{ me: { id: string; role: string } }>(
        serve!.graphqlUrl,
        await sign(hostSigner, subject!, role!, HOST_ISSUER),
        '{ me { id role } }',
      );
      expect(answer.data?.me, subject).toEqual({ id: subject, role });
    }
    const wrongRole = await graphql(
      serve!.graphqlUrl,
      await sign(hostSigner, 'dpo', 'HOST_ADMIN', HOST_ISSUER),
      '{ me { id } }',
    );
    expect(reasonOf(wrongRole)).toBe('ROLE_NOT_ALLOWED');
  });

  it('applies the clock tolerance from the environment', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expiredBy = async (seconds: number) =>
      new SignJWT({ role: 'PRIVACY_OFFICER' })
        .setProtectedHeader({ alg: 'ES256', kid: hostSigner.kid })
        .setSubject('dpo')
        .setIssuer(HOST_ISSUER)
        .setAudience('cleanroom-gateway')
        .setExpirationTime(now - seconds)
        .sign(hostSigner.privateKey);
    // CLEANROOM_CLOCK_TOLERANCE_SECONDS=2: a token expired 30 s ago is refused (the default of old was 30 s).
    const refused = await graphql(serve!.graphqlUrl, await expiredBy(30), '{ me { id } }');
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
  });

  it.each([
    [['--clock-tolerance', '301'], '--clock-tolerance must be whole seconds from 0 to 300'],
    [['--clock-tolerance', '2.5'], '--clock-tolerance must be whole seconds from 0 to 300'],
    [['--jwks-url', 'https://sso.example/jwks'], '--jwks-url and --issuer go together'],
    [['--audience', 'cleanroom'], '--audience is the audience of the host identity provider'],
    [
      ['--jwks-url', 'http://sso.example/jwks', '--issuer', 'https://sso.example'],
      '--jwks-url must be https',
    ],
  ])('refuses %j before starting', (args, message) => {
    const result = serveUsage(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
