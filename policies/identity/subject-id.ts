/**
 * Subject ids: the only name of a shopper that flows past ingest.
 */
import { hmacBase64url, isIdentifierHash } from './hash.ts';
import { IdentityError } from './errors.ts';

/**
 * The subject id of one identifier hash: HMAC-SHA256(host secret, identifier hash as UTF-8), base64url.
 * Which identifier's subject id names a shopper is decided by the identity store (see `createIdentityStore`).
 *
 * @example
 * subjectIdFor(secrets.hostSecret, hashEmail('user@example.com'));
 */
export function subjectIdFor(hostSecret: Uint8Array, identifierHash: string): string {
  if (!isIdentifierHash(identifierHash)) {
    throw new IdentityError('INVALID_IDENTIFIER', 'is not a Base64 SHA-256 identifier hash', {
      field: 'identifierHash',
    });
  }
  return hmacBase64url(hostSecret, identifierHash);
}
