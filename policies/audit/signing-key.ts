/**
 * The Ed25519 key pair that signs tree heads. Kept as a private JWK in `<dataDir>/secrets/audit-signing.jwk`
 * (file 0600, folder 0700), generated on first start; the public JWK is what a privacy officer uses to check
 * signed tree heads independently. The key object redacts itself when printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { AuditError } from './errors.ts';

/** JWS algorithm of signed tree heads. */
export const TREE_HEAD_ALGORITHM = 'EdDSA';
const REDACTED = '[redacted audit signing key]';

/** An audit signing key pair. Never log it; it refuses to print itself. */
export interface AuditSigningKey {
  /** Key id: the RFC 7638 thumbprint of the public JWK, put in every tree head's protected header. */
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public JWK (with `kid`, `alg`, `use`) to publish for independent verification. */
  readonly publicJwk: JWK;
  toJSON(): string;
}

/** Path of the signing key file under a data directory. */
export function auditSigningKeyPath(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'audit-signing.jwk');
}

function publicPart(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}

/** Build a signing key from a private Ed25519 JWK (one read from a file, or given by a test). */
export async function auditSigningKeyFromJwk(privateJwk: JWK): Promise<AuditSigningKey> {
  if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || privateJwk.d === undefined) {
    throw new AuditError('SIGNING_KEY', 'the audit signing key must be a private Ed25519 JWK');
  }
  const kid = await calculateJwkThumbprint(publicPart(privateJwk));
  const publicJwk: JWK = { ...publicPart(privateJwk), kid, alg: TREE_HEAD_ALGORITHM, use: 'sig' };
  const privateKey = (await importJWK(privateJwk, TREE_HEAD_ALGORITHM)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, TREE_HEAD_ALGORITHM)) as CryptoKey;
  return Object.freeze({
    kid,
    privateKey,
    publicKey,
    publicJwk: Object.freeze(publicJwk),
    toJSON: () => REDACTED,
    toString: () => REDACTED,
    [inspect.custom]: () => REDACTED,
  });
}

/** Generate a fresh signing key pair (not persisted). */
export async function generateAuditSigningKey(): Promise<{ key: AuditSigningKey; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(TREE_HEAD_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(privateKey);
  return { key: await auditSigningKeyFromJwk(privateJwk), privateJwk };
}

function readKeyFile(file: string): JWK {
  try {
    fs.chmodSync(file, 0o600);
    return JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
  } catch (error) {
    throw new AuditError('SIGNING_KEY', 'cannot read the audit signing key file', {
      cause: error,
      context: { file },
    });
  }
}

/**
 * Load the audit signing key from `<dataDir>/secrets/audit-signing.jwk`, generating it on first start.
 *
 * @example
 * const key = await loadOrCreateAuditSigningKey('./data');
 * const log = createAuditLog({ path: './data/audit.sqlite', signingKey: key });
 */
export async function loadOrCreateAuditSigningKey(dataDir: string): Promise<AuditSigningKey> {
  const file = auditSigningKeyPath(dataDir);
  if (fs.existsSync(file)) return auditSigningKeyFromJwk(readKeyFile(file));
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const { key, privateJwk } = await generateAuditSigningKey();
  try {
    // 'wx' fails when the file exists: two processes starting together keep whichever key landed first.
    fs.writeFileSync(file, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AuditError('SIGNING_KEY', 'cannot create the audit signing key file', {
        cause: error,
        context: { file },
      });
    }
  }
  return auditSigningKeyFromJwk(readKeyFile(file));
}

/** Load only the public JWK from a data directory (for `audit verify`); `undefined` when there is no key. */
export async function loadAuditPublicJwk(dataDir: string): Promise<JWK | undefined> {
  const file = auditSigningKeyPath(dataDir);
  if (!fs.existsSync(file)) return undefined;
  return (await auditSigningKeyFromJwk(readKeyFile(file))).publicJwk;
}
