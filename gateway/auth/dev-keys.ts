/**
 * The embedded default's development signing key: an Ed25519 pair kept under `<dataDir>/secrets/` (directory
 * 0700, file 0600), generated on first use. `cleanroom token` signs with it; the gateway verifies with its
 * public half. Never used when a JWKS URL or explicit public keys are configured.
 */
import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { JWK } from 'jose';
import type { Role } from '../ports.ts';

/** Issuer of development tokens. */
export const DEV_ISSUER = 'cleanroom-dev';
/** Audience every gateway token must name. */
export const GATEWAY_AUDIENCE = 'cleanroom-gateway';

const KEY_FILE = 'gateway-dev-signing-key.json';

/** The development key pair as JWKs (the private one holds `d`). */
export interface DevKeyPair {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Load the development key pair from `<dataDir>/secrets/`, creating it (owner-only) if absent. */
export async function loadOrCreateDevKeyPair(dataDir: string): Promise<DevKeyPair> {
  const secretsDir = path.join(dataDir, 'secrets');
  const file = path.join(secretsDir, KEY_FILE);
  if (fs.existsSync(file)) {
    const privateJwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
    return toPair(privateJwk);
  }
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(secretsDir, 0o700);
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  const stored: JWK = { ...privateJwk, kid, alg: 'EdDSA', use: 'sig' };
  // Write to a temp file first so a crash never leaves a half-written key; 'wx' refuses to follow a planted file.
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(stored), { mode: 0o600, flag: 'wx' });
  fs.renameSync(temp, file);
  return toPair(stored);
}

async function toPair(privateJwk: JWK): Promise<DevKeyPair> {
  const { d: _d, ...publicPart } = privateJwk;
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(publicPart));
  return { kid, privateJwk, publicJwk: { ...publicPart, kid, alg: 'EdDSA', use: 'sig' } };
}

/** Options of a development token. */
export interface MintTokenOptions {
  partnerId: string;
  role: Role;
  /** Lifetime like `1h`, `30m`, `7d` (jose's notation). Default `1h`. */
  ttl?: string;
  issuer?: string;
  audience?: string;
}

/**
 * Sign a development token with the embedded default's key.
 *
 * @example
 * const token = await mintDevToken(await loadOrCreateDevKeyPair('./data'), { partnerId: 'acme', role: 'BRAND' });
 */
export async function mintDevToken(pair: DevKeyPair, options: MintTokenOptions): Promise<string> {
  const key = await importJWK(pair.privateJwk, 'EdDSA');
  return new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: 'EdDSA', kid: pair.kid, typ: 'JWT' })
    .setSubject(options.partnerId)
    .setIssuer(options.issuer ?? DEV_ISSUER)
    .setAudience(options.audience ?? GATEWAY_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.ttl ?? '1h')
    .sign(key);
}
