import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidPrivacyParameterError } from './errors.ts';

/**
 * HMAC_DRBG with SHA-256 as NIST SP 800-90A Rev. 1 (section 10.1.2) specifies it, without reseeding, prediction
 * resistance or additional input: a deterministic generator whose output is indistinguishable from random to
 * anyone who does not hold the entropy input. The privacy layer seeds it with a secret key and a public label, so
 * the same label always yields the same stream (a replay draws the same noise) while nobody without the key can
 * predict it. Checked against NIST's CAVP known answers (test/policies/privacy/vectors/hmac-drbg-sha256.json).
 */
export interface HmacDrbg {
  /** The next `byteLength` bytes (SP 800-90A Generate, at most 65,536 bytes a request). */
  generate(byteLength: number): Uint8Array;
}

/** SP 800-90A's limits for HMAC_DRBG: 2^19 bits a request and 2^48 requests between reseeds. */
const MAX_BYTES_PER_REQUEST = 65_536;
const MAX_REQUESTS = 2 ** 48;
/** SHA-256's security strength in bytes: the entropy input must carry at least this much. */
const MIN_ENTROPY_BYTES = 32;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Instantiates an HMAC_DRBG (SHA-256) from `entropyInput` (at least 32 bytes), `nonce` and an optional
 * `personalization` string: seed material = entropyInput || nonce || personalization.
 *
 * @example
 * const drbg = createHmacDrbg(secretKey, new TextEncoder().encode('cell-42'));
 * const bytes = drbg.generate(64);
 */
export function createHmacDrbg(
  entropyInput: Uint8Array,
  nonce: Uint8Array = new Uint8Array(0),
  personalization: Uint8Array = new Uint8Array(0),
): HmacDrbg {
  if (entropyInput.length < MIN_ENTROPY_BYTES) {
    throw new InvalidPrivacyParameterError('entropyInput', `must be at least ${MIN_ENTROPY_BYTES} bytes`);
  }
  let key: Uint8Array = new Uint8Array(32);
  let value: Uint8Array = new Uint8Array(32).fill(0x01);
  let requests = 0;

  /** HMAC_DRBG_Update (10.1.2.2). */
  const update = (providedData: Uint8Array | undefined): void => {
    key = hmac(sha256, key, concat(value, Uint8Array.of(0x00), providedData ?? new Uint8Array(0)));
    value = hmac(sha256, key, value);
    if (providedData === undefined || providedData.length === 0) return;
    key = hmac(sha256, key, concat(value, Uint8Array.of(0x01), providedData));
    value = hmac(sha256, key, value);
  };

  update(concat(entropyInput, nonce, personalization));

  return {
    generate(byteLength) {
      if (!Number.isSafeInteger(byteLength) || byteLength < 1 || byteLength > MAX_BYTES_PER_REQUEST) {
        throw new InvalidPrivacyParameterError('byteLength', `must be 1..${MAX_BYTES_PER_REQUEST}`);
      }
      // Never reached in practice (each generator serves one label), but a DRBG must not run past its limit.
      if (requests >= MAX_REQUESTS) throw new InvalidPrivacyParameterError('requests', 'reseed required');
      requests += 1;
      const out = new Uint8Array(byteLength);
      for (let offset = 0; offset < byteLength; offset += value.length) {
        value = hmac(sha256, key, value);
        out.set(value.subarray(0, Math.min(value.length, byteLength - offset)), offset);
      }
      update(undefined);
      return out;
    },
  };
}
