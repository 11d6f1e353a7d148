import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHmacDrbg, InvalidPrivacyParameterError } from '../../../policies/privacy/index.ts';

interface DrbgVector {
  name: string;
  entropyInput: string;
  nonce: string;
  personalizationString: string;
  returnedBits: string;
}
const { vectors } = JSON.parse(
  readFileSync(new URL('./vectors/hmac-drbg-sha256.json', import.meta.url), 'utf8'),
) as { vectors: DrbgVector[] };

const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('createHmacDrbg (SP 800-90A HMAC_DRBG, SHA-256)', () => {
  it.each(vectors)('reproduces the NIST CAVP answer ($name)', (vector) => {
    const drbg = createHmacDrbg(
      fromHex(vector.entropyInput),
      fromHex(vector.nonce),
      fromHex(vector.personalizationString),
    );
    drbg.generate(128);
    expect(toHex(drbg.generate(128))).toBe(vector.returnedBits);
  });

  it('gives the same bytes for the same seed and different bytes for another nonce', () => {
    const entropy = new Uint8Array(32).fill(9);
    const a = createHmacDrbg(entropy, Uint8Array.of(1));
    const b = createHmacDrbg(entropy, Uint8Array.of(1));
    const c = createHmacDrbg(entropy, Uint8Array.of(2));
    const first = a.generate(48);
    expect(toHex(b.generate(48))).toBe(toHex(first));
    expect(toHex(c.generate(48))).not.toBe(toHex(first));
    // Output continues: a second request never repeats the first.
    expect(toHex(a.generate(48))).not.toBe(toHex(first));
  });

  it('serves requests that are not a multiple of the block size', () => {
    const vector = vectors[0]!;
    const drbg = createHmacDrbg(fromHex(vector.entropyInput), fromHex(vector.nonce));
    drbg.generate(128);
    // The second request's first 40 bytes equal the first 40 bytes of the known 128-byte answer.
    expect(toHex(drbg.generate(40))).toBe(vector.returnedBits.slice(0, 80));
  });

  it('refuses an entropy input below the security strength and out-of-range requests', () => {
    expect(() => createHmacDrbg(new Uint8Array(31))).toThrow(InvalidPrivacyParameterError);
    const drbg = createHmacDrbg(new Uint8Array(32));
    expect(() => drbg.generate(0)).toThrow(/byteLength/);
    expect(() => drbg.generate(65_537)).toThrow(/byteLength/);
    expect(drbg.generate(65_536)).toHaveLength(65_536);
  });
});
