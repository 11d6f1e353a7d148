/**
 * The raw identifiers of one event turned into identifier hashes, in one place, so that callers (ingest) hand
 * raw values straight here and never keep them.
 */
import { IdentityError } from './errors.ts';
import { hashDeviceId, hashEmail, hashLoyaltyId, hashPhone } from './hash.ts';

/** The raw identifiers an event may carry. */
export interface RawIdentifiers {
  loyaltyId?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  deviceId?: string | undefined;
}

/** Identifier hashes (UID2 form) of the identifiers present. */
export interface IdentifierHashes {
  loyalty?: string;
  email?: string;
  phone?: string;
  device?: string;
}

/** The kinds of identifier, in the order resolution prefers them. */
export const IDENTIFIER_KINDS = ['loyalty', 'email', 'phone', 'device'] as const;

/** A kind of identifier. */
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/**
 * Normalize and hash every identifier present.
 *
 * @param fieldPrefix Prefix of the field named in an error (`customer.` gives `customer.email`).
 * @throws IdentityError `INVALID_EMAIL` / `INVALID_PHONE` / `INVALID_IDENTIFIER` with `field` set.
 */
export function hashIdentifiers(raw: RawIdentifiers, fieldPrefix = ''): IdentifierHashes {
  const hashes: IdentifierHashes = {};
  const attempt = (field: string, compute: () => string): string => {
    try {
      return compute();
    } catch (error) {
      if (error instanceof IdentityError) {
        throw new IdentityError(error.code, error.message, { field: `${fieldPrefix}${field}` });
      }
      throw error;
    }
  };
  if (raw.loyaltyId !== undefined) hashes.loyalty = attempt('loyaltyId', () => hashLoyaltyId(raw.loyaltyId!));
  if (raw.email !== undefined) hashes.email = attempt('email', () => hashEmail(raw.email!));
  if (raw.phone !== undefined) hashes.phone = attempt('phone', () => hashPhone(raw.phone!));
  if (raw.deviceId !== undefined) hashes.device = attempt('deviceId', () => hashDeviceId(raw.deviceId!));
  return hashes;
}
