/**
 * Token verification on jose against one identity provider: its keys (a JWKS URL, cached and refetched on an
 * unknown `kid`, or local public keys), its issuer and audience, algorithms allow-listed, and a clock tolerance on
 * `exp`, `nbf` and `iat`. Every refusal is a {@link TokenRejectedError} with a reason code.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWK, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { ROLES } from '../ports.ts';
import type { Principal, Role } from '../ports.ts';
import { TokenRejectedError } from './refusal-reasons.ts';
import type { TokenRefusalReason } from './refusal-reasons.ts';

export { TokenRejectedError };

/** Algorithms a token may use. HS* and `none` are never accepted. */
export const ALLOWED_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;

/**
 * Seconds of clock skew tolerated on `exp`, `nbf` and `iat` by default. Hosts synchronized by NTP agree within
 * milliseconds; five seconds covers a drifting laptop or container clock and the time a freshly minted token takes
 * to arrive, while an expired token stops working almost when its `exp` says (RFC 7519 leaves the leeway to us,
 * "usually no more than a few minutes").
 */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

/** The most clock tolerance the gateway accepts, so a typo cannot stretch every token's life by hours. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

/** Where verification keys come from. */
export type KeySource = { jwksUrl: string } | { publicKeys: JWK[] };

/**
 * How a JWKS URL is cached (jose's `createRemoteJWKSet`): the set is fetched on first use and again once it is
 * older than `cacheMaxAgeMs`; a token whose `kid` is not in the set triggers a refetch unless the set was fetched
 * less than `cooldownMs` ago, so unknown kids cannot make the gateway hammer the provider.
 */
export interface JwksCacheOptions {
  /** Default 30 000 (jose's default). */
  cooldownMs?: number;
  /** Default 600 000, ten minutes (jose's default): a key removed from the set is trusted at most this long. */
  cacheMaxAgeMs?: number;
  /** HTTP timeout of one fetch. Default 5 000. */
  timeoutMs?: number;
}

/** One identity provider: keys, the issuer its tokens carry, the audience they must name. */
export interface IdentityProviderConfig {
  keys: KeySource;
  issuer: string | string[];
  audience: string | string[];
}

/** Options of {@link createClaimsVerifier} and {@link createTokenVerifier}. */
export interface TokenVerifierOptions extends IdentityProviderConfig {
  /** Seconds of clock skew tolerated on exp, nbf and iat. Default {@link DEFAULT_CLOCK_TOLERANCE_SECONDS}. */
  clockToleranceSeconds?: number;
  jwks?: JwksCacheOptions;
  /** The clock (tests). Default: the system clock. */
  now?: () => Date;
}

/** Verifies a compact JWT's signature and registered claims and returns its payload. */
export type ClaimsVerifier = (token: string) => Promise<JWTPayload>;

/** Verifies a compact JWT and returns the principal it names. */
export type TokenVerifier = (token: string) => Promise<Principal>;

/** Thrown by the key resolver when the key set itself could not be had (network, HTTP status, bad JSON). */
class KeysUnavailable extends Error {}

function keyResolver(keys: KeySource, jwks: JwksCacheOptions = {}): JWTVerifyGetKey {
  if (!('jwksUrl' in keys)) return createLocalJWKSet({ keys: keys.publicKeys } as JSONWebKeySet);
  const remote = createRemoteJWKSet(new URL(keys.jwksUrl), {
    cooldownDuration: jwks.cooldownMs ?? 30_000,
    cacheMaxAge: jwks.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: jwks.timeoutMs ?? 5_000,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      // A missing or ambiguous key is about the token; anything else is the provider being unreachable.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
        throw error;
      throw new KeysUnavailable('the JSON Web Key Set could not be fetched', { cause: error });
    }
  };
}

/** Map what jose threw to a refusal reason. */
export function reasonOfJoseError(error: unknown): { reason: TokenRefusalReason; claim?: string } {
  if (error instanceof TokenRejectedError)
    return { reason: error.reason, ...(error.claim ? { claim: error.claim } : {}) };
  if (error instanceof KeysUnavailable) return { reason: 'KEYS_UNAVAILABLE' };
  if (error instanceof errors.JWTExpired) return { reason: 'TOKEN_EXPIRED' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return { reason: 'MISSING_CLAIM', claim: error.claim };
    if (error.reason === 'invalid') return { reason: 'MALFORMED_TOKEN' };
    switch (error.claim) {
      case 'iss':
        return { reason: 'WRONG_ISSUER' };
      case 'aud':
        return { reason: 'WRONG_AUDIENCE' };
      case 'nbf':
        return { reason: 'NOT_YET_VALID' };
      case 'iat':
        return { reason: 'IAT_IN_FUTURE' };
      default:
        return { reason: 'MALFORMED_TOKEN' };
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return { reason: 'ALG_NOT_ALLOWED' };
  if (error instanceof errors.JWKSNoMatchingKey) return { reason: 'KEY_NOT_FOUND' };
  if (error instanceof errors.JWSSignatureVerificationFailed) return { reason: 'BAD_SIGNATURE' };
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return { reason: 'KEYS_UNAVAILABLE' };
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  )
    return { reason: 'MALFORMED_TOKEN' };
  // A key jose cannot use for this algorithm (an RSA key under 2048 bits, a curve mismatch): the token cannot be
  // verified with what the provider publishes.
  return { reason: 'BAD_SIGNATURE' };
}

function rejection(error: unknown): TokenRejectedError {
  const { reason, claim } = reasonOfJoseError(error);
  return new TokenRejectedError(reason, { ...(claim !== undefined ? { claim } : {}), cause: error });
}

/**
 * Create a verifier of one identity provider's tokens: signature, `iss`, `aud`, `exp` (all required), `nbf` and
 * `iat` within the clock tolerance. `sub` is required too. Role and principal checks are the caller's.
 *
 * @example
 * const verify = createClaimsVerifier({ keys: { jwksUrl: 'https://idp.example/jwks' }, issuer: 'https://idp.example', audience: 'cleanroom-gateway' });
 * const claims = await verify(token); // throws TokenRejectedError with a reason
 */
export function createClaimsVerifier(options: TokenVerifierOptions): ClaimsVerifier {
  const getKey = keyResolver(options.keys, options.jwks);
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!(clockTolerance >= 0 && clockTolerance <= MAX_CLOCK_TOLERANCE_SECONDS))
    throw new RangeError(`clockToleranceSeconds must be 0..${MAX_CLOCK_TOLERANCE_SECONDS}`);
  const now = options.now ?? (() => new Date());
  const verifyOptions = (): JWTVerifyOptions => ({
    issuer: options.issuer,
    audience: options.audience,
    algorithms: [...ALLOWED_ALGORITHMS],
    clockTolerance,
    currentDate: now(),
    requiredClaims: ['sub', 'exp', 'iss', 'aud'],
  });
  return async (token) => {
    const settings = verifyOptions();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, settings));
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw rejection(error);
      // No `kid` and several keys of the token's type: the one that verifies is the signer's.
      payload = await verifyWithCandidates(token, error, settings);
    }
    // jose checks `iat` only with maxTokenAge, which would make `iat` required; a token from the future is refused here.
    const issuedAt = payload.iat;
    const nowSeconds = Math.floor(settings.currentDate!.getTime() / 1000);
    if (typeof issuedAt === 'number' && issuedAt > nowSeconds + clockTolerance)
      throw new TokenRejectedError('IAT_IN_FUTURE');
    return payload;
  };
}

async function verifyWithCandidates(
  token: string,
  candidates: InstanceType<typeof errors.JWKSMultipleMatchingKeys>,
  settings: JWTVerifyOptions,
): Promise<JWTPayload> {
  for await (const key of candidates as unknown as AsyncIterable<CryptoKey>) {
    try {
      return (await jwtVerify(token, key, settings)).payload;
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      throw rejection(error);
    }
  }
  throw new TokenRejectedError('BAD_SIGNATURE');
}

/**
 * Create a verifier that also reads the principal: `sub` and a known `role` claim.
 *
 * @example
 * const verify = createTokenVerifier({ keys: { publicKeys: [publicJwk] }, issuer: 'cleanroom-dev', audience: 'cleanroom-gateway' });
 * const { id, role } = await verify(token);
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const verifyClaims = createClaimsVerifier(options);
  return async (token) => principalOf(await verifyClaims(token));
}

/** The principal a verified payload names; refuses a missing or unknown role. */
export function principalOf(payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0)
    throw new TokenRejectedError('MISSING_CLAIM', { claim: 'sub' });
  const role = payload['role'];
  if (role === undefined) throw new TokenRejectedError('MISSING_CLAIM', { claim: 'role' });
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
    throw new TokenRejectedError('ROLE_NOT_ALLOWED');
  return { id: payload.sub, role: role as Role };
}
