/**
 * Why a credential was refused: a closed set of reason codes, each with the sentence a legitimate client reads in
 * its `UNAUTHENTICATED` error. Messages describe only what the caller itself sent or what any caller may know (the
 * allowed algorithms, the required claims); they never name keys, issuers or partner ids the caller did not send.
 */

/** Reasons a presented token is refused (`extensions.reason` of the UNAUTHENTICATED error). */
export const TOKEN_REFUSAL_REASONS = [
  'MALFORMED_TOKEN',
  'ALG_NOT_ALLOWED',
  'MISSING_CLAIM',
  'KEY_NOT_FOUND',
  'BAD_SIGNATURE',
  'WRONG_ISSUER',
  'WRONG_AUDIENCE',
  'TOKEN_EXPIRED',
  'NOT_YET_VALID',
  'IAT_IN_FUTURE',
  'ROLE_NOT_ALLOWED',
  'UNKNOWN_PRINCIPAL',
  'KEYS_UNAVAILABLE',
] as const;

/** A reason a presented token is refused. */
export type TokenRefusalReason = (typeof TOKEN_REFUSAL_REASONS)[number];

/**
 * Every reason an authentication may be refused and audited: the token reasons, plus `NO_TOKEN` for a request
 * that needs a principal and carries no credential at all.
 */
export type AuthRefusalReason = TokenRefusalReason | 'NO_TOKEN';

/** Every value of {@link AuthRefusalReason}. */
export const AUTH_REFUSAL_REASONS: readonly AuthRefusalReason[] = [...TOKEN_REFUSAL_REASONS, 'NO_TOKEN'];

const MESSAGES: Record<AuthRefusalReason, string> = {
  MALFORMED_TOKEN: 'the credential is not a well-formed "Bearer <JWT>"',
  ALG_NOT_ALLOWED: 'the token algorithm is not allowed (use EdDSA, ES256 or RS256)',
  MISSING_CLAIM: 'the token lacks a required claim (sub, role, iss, aud, exp)',
  KEY_NOT_FOUND: 'no key of the identity provider trusted for this subject matches the token header',
  BAD_SIGNATURE: 'the token signature does not verify',
  WRONG_ISSUER: 'the token issuer (iss) is not the one trusted for this subject',
  WRONG_AUDIENCE: 'the token audience (aud) is not this gateway',
  TOKEN_EXPIRED: 'the token has expired (exp)',
  NOT_YET_VALID: 'the token is not valid yet (nbf)',
  IAT_IN_FUTURE: 'the token was issued in the future (iat beyond the allowed clock skew)',
  ROLE_NOT_ALLOWED: 'the token role is not allowed for its subject',
  UNKNOWN_PRINCIPAL: 'the token subject (sub) has no contract and is not a host principal',
  KEYS_UNAVAILABLE: "the identity provider's keys could not be fetched; retry later",
  NO_TOKEN: 'authentication required',
};

/** The sentence a client reads for `reason`. */
export function refusalMessage(reason: AuthRefusalReason, claim?: string): string {
  if (reason === 'MISSING_CLAIM' && claim !== undefined)
    return `the token lacks the required "${claim}" claim`;
  return MESSAGES[reason];
}

/** Whether a value is one of the {@link AuthRefusalReason} codes. */
export function isAuthRefusalReason(value: unknown): value is AuthRefusalReason {
  return typeof value === 'string' && (AUTH_REFUSAL_REASONS as readonly string[]).includes(value);
}

/** Claims whose absence may be named back to the caller (our own list, never the caller's text). */
export const REQUIRED_CLAIMS = ['sub', 'role', 'iss', 'aud', 'exp'] as const;

/** Why a token was refused. Never carries the token itself. */
export class TokenRejectedError extends Error {
  readonly reason: TokenRefusalReason;
  /** For MISSING_CLAIM: which of {@link REQUIRED_CLAIMS} is missing. */
  readonly claim: (typeof REQUIRED_CLAIMS)[number] | undefined;

  constructor(reason: TokenRefusalReason, options: { claim?: string; cause?: unknown } = {}) {
    super(`token rejected: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenRejectedError';
    this.reason = reason;
    const claim = options.claim;
    this.claim = (REQUIRED_CLAIMS as readonly string[]).includes(claim ?? '')
      ? (claim as (typeof REQUIRED_CLAIMS)[number])
      : undefined;
  }
}
