/**
 * Host secrets: the root key of subject ids and the keys of the traffic HMACs (ip, device, session).
 *
 * Taken from `CLEANROOM_HOST_SECRET` (Base64, at least 32 bytes) when set; otherwise read from
 * `<dataDir>/secrets/host.key`, which the embedded default generates on first start (file 0600, folder 0700).
 * The other keys are derived from the host secret with HKDF-SHA256, so one value is all there is to back up.
 * The returned object redacts itself in `JSON.stringify`, `util.inspect` and string conversion.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { IdentityError } from './errors.ts';

/** Environment variable holding the host secret (Base64). */
export const HOST_SECRET_ENV = 'CLEANROOM_HOST_SECRET';
const MIN_SECRET_BYTES = 32;
const REDACTED = '[redacted secrets]';

/** The host's secrets. Never log them; the object refuses to print itself. */
export interface HostSecrets {
  /** Root secret: subject ids are HMAC-SHA256(hostSecret, identifier hash). */
  readonly hostSecret: Uint8Array;
  /** Key of the ip and ip-prefix HMACs. */
  readonly ipHmacKey: Uint8Array;
  /** Key of the device-id and session-id HMACs. */
  readonly deviceHmacKey: Uint8Array;
  /** Where the host secret came from. */
  readonly source: 'env' | 'file' | 'generated' | 'given';
  toJSON(): string;
  toString(): string;
}

function derive(hostSecret: Uint8Array, purpose: string): Uint8Array {
  return hkdf(sha256, hostSecret, utf8ToBytes('cleanroom/v1'), utf8ToBytes(purpose), 32);
}

/**
 * Build the secrets object from a host secret (tests, or a secret from another store).
 *
 * @throws IdentityError `INVALID_SECRET` when the secret is shorter than 32 bytes.
 */
export function secretsFromHostSecret(
  hostSecret: Uint8Array,
  source: HostSecrets['source'] = 'given',
): HostSecrets {
  if (hostSecret.length < MIN_SECRET_BYTES) {
    throw new IdentityError('INVALID_SECRET', `the host secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const secrets = {
    hostSecret: Uint8Array.from(hostSecret),
    ipHmacKey: derive(hostSecret, 'ip-hmac'),
    deviceHmacKey: derive(hostSecret, 'device-hmac'),
    source,
    toJSON: () => REDACTED,
    toString: () => REDACTED,
    [inspect.custom]: () => REDACTED,
  };
  return Object.freeze(secrets);
}

function decodeSecret(text: string, field: string): Uint8Array {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new IdentityError('INVALID_SECRET', `${field} is not Base64`, { field });
  }
  const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new IdentityError('INVALID_SECRET', `${field} must decode to at least ${MIN_SECRET_BYTES} bytes`, {
      field,
    });
  }
  return new Uint8Array(bytes);
}

/** Options of {@link loadOrCreateSecrets}. */
export interface LoadSecretsOptions {
  /** Environment to read `CLEANROOM_HOST_SECRET` from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/**
 * Load the host secrets, generating the key file on first start.
 *
 * @example
 * const secrets = loadOrCreateSecrets('./data');
 * subjectIdFor(secrets.hostSecret, hashEmail(email));
 */
export function loadOrCreateSecrets(dataDir: string, options: LoadSecretsOptions = {}): HostSecrets {
  const env = options.env ?? process.env;
  const fromEnv = env[HOST_SECRET_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return secretsFromHostSecret(decodeSecret(fromEnv, HOST_SECRET_ENV), 'env');
  }
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, 'host.key');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  try {
    // 'wx' fails when the file exists, so two processes starting together never overwrite each other's key.
    const fresh = randomBytes(MIN_SECRET_BYTES);
    fs.writeFileSync(file, `${fresh.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return secretsFromHostSecret(new Uint8Array(fresh), 'generated');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new IdentityError('SECRET_FILE_UNREADABLE', 'cannot create the host key file', {
        field: 'secrets/host.key',
        cause: error,
      });
    }
  }
  let text: string;
  try {
    fs.chmodSync(file, 0o600);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new IdentityError('SECRET_FILE_UNREADABLE', 'cannot read the host key file', {
      field: 'secrets/host.key',
      cause: error,
    });
  }
  return secretsFromHostSecret(decodeSecret(text, 'secrets/host.key'), 'file');
}
