/**
 * Token verification on jose: issuer and audience checked, algorithms allow-listed, 30 s clock tolerance,
 * keys from a JWKS URL or from local public keys.
 */
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWK, JWTVerifyGetKey } from 'jose';
import { ROLES } from '../ports.ts';
import type { Principal, Role } from '../ports.ts';

/** Algorithms a token may use. HS* and `none` are never accepted. */
export const ALLOWED_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;

/** Where verification keys come from. */
export type KeySource = { jwksUrl: string } | { publicKeys: JWK[] };

/** Options of `createTokenVerifier`. */
export interface TokenVerifierOptions {
  keys: KeySource;
  issuer: string | string[];
  audience: string | string[];
  /** Seconds of clock skew tolerated on exp/nbf/iat. Default 30. */
  clockToleranceSeconds?: number;
}

/** Why a token was refused (never echoed with the token itself). */
export class TokenRejectedError extends Error {
  readonly reason: string;
  constructor(reason: string, cause?: unknown) {
    super(`token rejected: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'TokenRejectedError';
    this.reason = reason;
  }
}

/** Verifies a compact JWT and returns the principal it names. */
export type TokenVerifier = (token: string) => Promise<Principal>;

/** Create a verifier. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const getKey: JWTVerifyGetKey =
    'jwksUrl' in options.keys
      ? createRemoteJWKSet(new URL(options.keys.jwksUrl))
      : createLocalJWKSet({ keys: options.keys.publicKeys } as JSONWebKeySet);
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance,
        requiredClaims: ['sub', 'exp', 'iss', 'aud'],
      }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new TokenRejectedError(typeof code === 'string' ? code : 'invalid token', error);
    }
    const role = payload['role'];
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw new TokenRejectedError('missing or unknown role claim');
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0)
      throw new TokenRejectedError('missing sub');
    return { id: payload.sub, role: role as Role };
  };
}
