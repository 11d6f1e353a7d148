/**
 * UID2 normalization of emails and phone numbers, exactly as the UID2 documentation specifies, so that a hash
 * we compute equals the one a partner computes with any UID2 SDK.
 */
import { IdentityError } from './errors.ts';

const E164 = /^\+[0-9]{8,15}$/;
// One `@`, a non-empty local part, a dotted domain, no whitespace: the shape UID2 operators accept.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const MAX_EMAIL_LENGTH = 254;

/**
 * Normalize an email the UID2 way: trim, lower-case; for `gmail.com` only, drop the dots of the local part and
 * anything from the first `+`.
 *
 * @throws IdentityError `INVALID_EMAIL` when the value is not an email address.
 * @example
 * normalizeEmail('  Jane.Doe+ads@GMail.com '); // 'janedoe@gmail.com'
 */
export function normalizeEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  if (trimmed.length > MAX_EMAIL_LENGTH || !EMAIL_SHAPE.test(trimmed)) {
    throw new IdentityError('INVALID_EMAIL', 'is not a valid email address', { field: 'email' });
  }
  const at = trimmed.lastIndexOf('@');
  const domain = trimmed.slice(at + 1);
  if (domain !== 'gmail.com') return trimmed;
  const local = trimmed.slice(0, at);
  const plus = local.indexOf('+');
  const withoutTag = plus === -1 ? local : local.slice(0, plus);
  const withoutDots = withoutTag.replaceAll('.', '');
  if (withoutDots.length === 0) {
    throw new IdentityError('INVALID_EMAIL', 'is not a valid email address', { field: 'email' });
  }
  return `${withoutDots}@${domain}`;
}

/**
 * Check a phone number is already E.164 (`+` then 8 to 15 digits), as UID2 requires. Nothing is rewritten:
 * a number in any other form is refused, because guessing its country would link the wrong shopper.
 *
 * @throws IdentityError `INVALID_PHONE` otherwise.
 * @example
 * normalizePhone('+12345678901'); // '+12345678901'
 */
export function normalizePhone(phone: string): string {
  if (!E164.test(phone)) {
    throw new IdentityError('INVALID_PHONE', 'is not an E.164 phone number (+ then 8 to 15 digits)', {
      field: 'phone',
    });
  }
  return phone;
}
