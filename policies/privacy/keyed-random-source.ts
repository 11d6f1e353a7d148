import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { InvalidPrivacyParameterError } from './errors.ts';
import { createHmacDrbg } from './hmac-drbg.ts';
import type { RandomSource } from './random-source.ts';

/**
 * Replay-deterministic noise. A stream processor that restarts after a crash must release exactly what it released
 * before (the outputs are compared value by value), yet a partner must not be able to predict or average away the
 * noise. So noise for one released cell is drawn from an HMAC_DRBG (SP 800-90A, SHA-256) seeded with a secret noise
 * key and the cell's public label: the same label always gives the same draws, different labels give independent
 * streams, and without the key the draws are indistinguishable from random.
 *
 * The noise key is derived from a root secret (the host secret) with HKDF-SHA256 and a purpose, so the noise of one
 * mechanism is independent of every other use of that secret (subject ids, pseudonyms, other mechanisms).
 *
 * One caveat of fixed noise: a cell released twice over DIFFERENT data would show the difference of the two values
 * exactly. Every caller therefore releases each label once (a trigger window is judged once), and a reprocessing
 * run over changed data must use a new `purpose` (e.g. with an epoch suffix).
 */

/** Personalization string of every keyed source (binds the DRBG to this use). */
const PERSONALIZATION = utf8ToBytes('cleanroom/keyed-random-source/v1');
/** Bytes generated per DRBG request: 32 words, enough for a typical discrete Laplace draw. */
const REQUEST_BYTES = 128;

/**
 * A 32-byte noise key for one mechanism (`purpose`, e.g. `trigger-noise`), derived from `rootSecret` (at least
 * 32 bytes) with HKDF-SHA256. Never log it.
 *
 * @example const noiseKey = deriveNoiseKey(secrets.hostSecret, 'trigger-noise');
 */
export function deriveNoiseKey(rootSecret: Uint8Array, purpose: string): Uint8Array {
  if (rootSecret.length < 32)
    throw new InvalidPrivacyParameterError('rootSecret', 'must be at least 32 bytes');
  if (purpose.length === 0) throw new InvalidPrivacyParameterError('purpose', 'must not be empty');
  return hkdf(sha256, rootSecret, utf8ToBytes('cleanroom/v1/noise'), utf8ToBytes(purpose), 32);
}

/**
 * A {@link RandomSource} whose words are the output of HMAC_DRBG(entropy = `key`, nonce = UTF-8 `label`), read as
 * big-endian 32-bit integers. Deterministic for a key and label; unpredictable without the key. Draw noise from it
 * with the exact samplers (`sampleDiscreteLaplace`, `noisyCount`) — never with floating point.
 *
 * @example
 * const rng = createKeyedRandomSource(noiseKey, 'units|plant_based_meat|west|2026-03-02T05:00:00.000Z');
 * const released = noisyCount(trueUnits, 0.5, 15, rng);
 */
export function createKeyedRandomSource(key: Uint8Array, label: string): RandomSource {
  if (label.length === 0) throw new InvalidPrivacyParameterError('label', 'must not be empty');
  const drbg = createHmacDrbg(key, utf8ToBytes(label), PERSONALIZATION);
  let words: DataView = new DataView(new ArrayBuffer(0));
  let position = 0;
  return {
    nextUint32(): number {
      if (position >= words.byteLength) {
        const bytes = drbg.generate(REQUEST_BYTES);
        words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        position = 0;
      }
      const word = words.getUint32(position, false);
      position += 4;
      return word;
    },
  };
}
