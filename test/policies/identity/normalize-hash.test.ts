import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  IdentityError,
  hashDeviceId,
  hashEmail,
  hashIdentifiers,
  hashLoyaltyId,
  hashPhone,
  normalizeEmail,
  normalizePhone,
  subjectIdFor,
} from '../../../policies/identity/index.ts';

interface Vector {
  input: string;
  normalized: string;
  hash?: string;
}
const vectors = JSON.parse(readFileSync(new URL('./uid2-vectors.json', import.meta.url), 'utf8')) as {
  emails: Vector[];
  phones: Vector[];
  invalidEmails: string[];
  invalidPhones: string[];
};

describe('UID2 normalization and hashing', () => {
  it.each(vectors.emails)('normalizes and hashes the email $input', ({ input, normalized, hash }) => {
    expect(normalizeEmail(input)).toBe(normalized);
    const expected = hash ?? createHash('sha256').update(normalized).digest('base64');
    expect(hashEmail(input)).toBe(expected);
  });

  it.each(vectors.phones)('hashes the phone $input', ({ input, normalized, hash }) => {
    expect(normalizePhone(input)).toBe(normalized);
    expect(hashPhone(input)).toBe(hash);
  });

  it.each(vectors.invalidEmails)('refuses the email %j with INVALID_EMAIL', (input) => {
    expect(() => hashEmail(input)).toThrowError(IdentityError);
    try {
      normalizeEmail(input);
    } catch (error) {
      expect((error as IdentityError).code).toBe('INVALID_EMAIL');
      if (input.trim() !== '') expect((error as Error).message).not.toContain(input.trim());
    }
  });

  it.each(vectors.invalidPhones)('refuses the phone %j with INVALID_PHONE', (input) => {
    expect(() => hashPhone(input)).toThrowError(expect.objectContaining({ code: 'INVALID_PHONE' }));
  });

  it('hashes loyalty and device ids in their own namespaces', () => {
    expect(hashLoyaltyId('L-1')).toBe(createHash('sha256').update('loyalty:L-1').digest('base64'));
    expect(hashDeviceId('L-1')).toBe(createHash('sha256').update('device:L-1').digest('base64'));
    expect(hashLoyaltyId('L-1')).not.toBe(hashDeviceId('L-1'));
  });

  it('names the failing field when hashing an event’s identifiers', () => {
    expect(() => hashIdentifiers({ email: 'ok@example.com', phone: '555-0100' }, 'customer.')).toThrowError(
      expect.objectContaining({ code: 'INVALID_PHONE', field: 'customer.phone' }),
    );
    expect(hashIdentifiers({ loyaltyId: 'L1', email: 'user@example.com' })).toEqual({
      loyalty: hashLoyaltyId('L1'),
      email: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=',
    });
  });

  it('derives subject ids as HMAC-SHA256 of the identifier hash, base64url', () => {
    const secret = new Uint8Array(32).fill(7);
    const emailHash = hashEmail('user@example.com');
    const expected = createHmacBase64url(secret, emailHash);
    expect(subjectIdFor(secret, emailHash)).toBe(expected);
    expect(subjectIdFor(new Uint8Array(32).fill(8), emailHash)).not.toBe(expected);
    expect(() => subjectIdFor(secret, 'user@example.com')).toThrowError(
      expect.objectContaining({ code: 'INVALID_IDENTIFIER' }),
    );
  });
});

function createHmacBase64url(key: Uint8Array, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url');
}
