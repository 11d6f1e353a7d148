/**
 * Identifier hashes and keyed digests. An identifier hash is the UID2 form (SHA-256 of the normalized value,
 * Base64 of the raw 32 bytes). Loyalty and device ids are identifiers too: they are hashed the same way after a
 * namespace prefix (`loyalty:<id>`, `device:<id>`), so they can never collide with an email or a phone hash.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { IdentityError } from './errors.ts';
import { normalizeEmail, normalizePhone } from './normalize.ts';

/** Base64 (standard alphabet, padded) of the SHA-256 of a UTF-8 string: the UID2 hash form. */
export function sha256Base64(text: string): string {
  return Buffer.from(sha256(utf8ToBytes(text))).toString('base64');
}

/** Base64url (no padding) of HMAC-SHA256(key, message). */
export function hmacBase64url(key: Uint8Array, message: string | Uint8Array): string {
  const bytes = typeof message === 'string' ? utf8ToBytes(message) : message;
  return Buffer.from(hmac(sha256, key, bytes)).toString('base64url');
}

/**
 * The UID2 hash of an email: Base64 of SHA-256 of {@link normalizeEmail}.
 *
 * @example
 * hashEmail('user@example.com'); // 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ='
 */
export function hashEmail(email: string): string {
  return sha256Base64(normalizeEmail(email));
}

/**
 * The UID2 hash of an E.164 phone number.
 *
 * @example
 * hashPhone('+12345678901'); // 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4='
 */
export function hashPhone(phone: string): string {
  return sha256Base64(normalizePhone(phone));
}

function namespaced(kind: 'loyalty' | 'device', id: string): string {
  if (id.length === 0 || id.length > 256) {
    throw new IdentityError('INVALID_IDENTIFIER', `is not a valid ${kind} id`, { field: `${kind}Id` });
  }
  return sha256Base64(`${kind}:${id}`);
}

/** The identifier hash of a loyalty id: Base64 of SHA-256 of `loyalty:<id>` (the id taken as is). */
export function hashLoyaltyId(loyaltyId: string): string {
  return namespaced('loyalty', loyaltyId);
}

/** The identifier hash of a device id: Base64 of SHA-256 of `device:<id>` (the id taken as is). */
export function hashDeviceId(deviceId: string): string {
  return namespaced('device', deviceId);
}

/** Whether a string is shaped like a UID2 hash (Base64 of 32 bytes). */
export function isIdentifierHash(value: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(value);
}
