/**
 * Which identity provider may vouch for a token, and whether the principal it names may act. A partner whose
 * contract names its own identity provider is verified against that provider only (its keys, its issuer, its
 * audience), read from the current contract on every token so an `upsertContract` applies at once. Every other
 * subject (partners without one, host principals) is verified against the host's provider and, only when
 * development tokens are on, the gateway's development key.
 *
 * The token's claims are read unverified only to choose the provider; nothing unverified decides access. A
 * subject's existence is told (UNKNOWN_PRINCIPAL) only after a trusted key verified the token.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { JWTPayload } from 'jose';
import type { ContractsPort, PartnerIdentityProvider, Principal, Role } from '../ports.ts';
import { DEV_ISSUER, GATEWAY_AUDIENCE } from './dev-keys.ts';
import type { DevKeyPair } from './dev-keys.ts';
import { TokenRejectedError } from './refusal-reasons.ts';
import {
  ALLOWED_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  createClaimsVerifier,
  principalOf,
} from './verifier.ts';
import type { ClaimsVerifier, IdentityProviderConfig, JwksCacheOptions } from './verifier.ts';

/** A host principal: an id with the one role the host configuration gives it, or any host role (an id alone). */
export type HostPrincipalEntry = string | { id: string; role: Role };

/** Options of {@link createTokenAuthenticator}. */
export interface TokenAuthenticatorOptions {
  contracts: ContractsPort;
  /** The host's identity provider: host principals and partners without their own. */
  hostProvider?: IdentityProviderConfig;
  /** The development key pair; tokens it signed are accepted only when given. */
  devKeys?: DevKeyPair | null;
  /** Ids allowed to act as PRIVACY_OFFICER or HOST_ADMIN; null: any verified host-role token. */
  hostPrincipals?: HostPrincipalEntry[] | null;
  clockToleranceSeconds?: number;
  jwks?: JwksCacheOptions;
  now?: () => Date;
}

/** An admitted token: its principal, and from when the token counts as expired. */
export interface AuthenticatedToken {
  principal: Principal;
  /** Milliseconds since the epoch from which the token is refused as expired (`exp` plus the clock tolerance). */
  validUntilMs: number;
}

/** Authenticates a compact JWT: the principal, or a {@link TokenRejectedError} with its reason. */
export type TokenAuthenticator = (token: string) => Promise<AuthenticatedToken>;

interface Provider {
  issuers: string[];
  verify: ClaimsVerifier;
}

const PARTNER_ROLES: readonly Role[] = ['BRAND', 'QSR'];

function asList(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function unverifiedClaims(token: string): JWTPayload {
  let header;
  let payload: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    payload = decodeJwt(token);
  } catch (error) {
    throw new TokenRejectedError('MALFORMED_TOKEN', { cause: error });
  }
  if (typeof header.alg !== 'string') throw new TokenRejectedError('MALFORMED_TOKEN');
  if (!(ALLOWED_ALGORITHMS as readonly string[]).includes(header.alg))
    throw new TokenRejectedError('ALG_NOT_ALLOWED');
  if (payload.sub === undefined) throw new TokenRejectedError('MISSING_CLAIM', { claim: 'sub' });
  if (typeof payload.sub !== 'string' || payload.sub.length === 0)
    throw new TokenRejectedError('MALFORMED_TOKEN');
  return payload;
}

/** Whether a refusal happened before the signature was known good (the next provider may still verify it). */
function isKeyLevel(error: unknown): boolean {
  return (
    error instanceof TokenRejectedError &&
    (error.reason === 'KEY_NOT_FOUND' || error.reason === 'BAD_SIGNATURE')
  );
}

/**
 * Create the authenticator the gateway runs on every credential.
 *
 * @example
 * const authenticate = createTokenAuthenticator({ contracts, devKeys, hostPrincipals: [{ id: 'dpo', role: 'PRIVACY_OFFICER' }] });
 * const { principal } = await authenticate(token); // or throws TokenRejectedError (reason TOKEN_EXPIRED, ...)
 */
export function createTokenAuthenticator(options: TokenAuthenticatorOptions): TokenAuthenticator {
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  // Checked now, not at a partner's first token (its verifier is built lazily).
  if (!(tolerance >= 0 && tolerance <= MAX_CLOCK_TOLERANCE_SECONDS))
    throw new RangeError(`clockToleranceSeconds must be 0..${MAX_CLOCK_TOLERANCE_SECONDS}`);
  const shared = {
    ...(options.clockToleranceSeconds !== undefined
      ? { clockToleranceSeconds: options.clockToleranceSeconds }
      : {}),
    ...(options.jwks !== undefined ? { jwks: options.jwks } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  };
  const provider = (config: IdentityProviderConfig): Provider => ({
    issuers: asList(config.issuer),
    verify: createClaimsVerifier({ ...config, ...shared }),
  });
  const fallback: Provider[] = [];
  if (options.hostProvider !== undefined) fallback.push(provider(options.hostProvider));
  if (options.devKeys)
    fallback.push(
      provider({
        keys: { publicKeys: [options.devKeys.publicJwk] },
        issuer: DEV_ISSUER,
        audience: GATEWAY_AUDIENCE,
      }),
    );
  // One verifier (and so one JWKS cache) per partner, rebuilt when its contract's provider changes.
  const partnerProviders = new Map<string, { fingerprint: string; provider: Provider }>();
  const partnerProvider = (partnerId: string, config: PartnerIdentityProvider): Provider => {
    const fingerprint = JSON.stringify(config);
    const cached = partnerProviders.get(partnerId);
    if (cached?.fingerprint === fingerprint) return cached.provider;
    const built = provider({
      keys: config.jwksUrl !== undefined ? { jwksUrl: config.jwksUrl } : { publicKeys: config.keys ?? [] },
      issuer: config.issuer,
      audience: config.audience,
    });
    partnerProviders.set(partnerId, { fingerprint, provider: built });
    return built;
  };
  const hostRoles = new Map<string, Role | null>();
  for (const entry of options.hostPrincipals ?? [])
    if (typeof entry === 'string') hostRoles.set(entry, null);
    else hostRoles.set(entry.id, entry.role);
  const anyHostPrincipal = options.hostPrincipals === undefined || options.hostPrincipals === null;

  const candidatesFor = (subject: string, issuer: unknown): Provider[] => {
    const own = options.contracts.get(subject)?.identityProvider;
    if (own) return [partnerProvider(subject, own)];
    // The provider whose issuer the token names goes first; the others still get a chance to verify it.
    const matching = fallback.filter((candidate) => candidate.issuers.includes(issuer as string));
    return [...matching, ...fallback.filter((candidate) => !matching.includes(candidate))];
  };

  const admit = (principal: Principal): Principal => {
    const contract = options.contracts.get(principal.id);
    if (PARTNER_ROLES.includes(principal.role)) {
      if (contract === undefined)
        throw new TokenRejectedError(hostRoles.has(principal.id) ? 'ROLE_NOT_ALLOWED' : 'UNKNOWN_PRINCIPAL');
      if (contract.kind !== principal.role) throw new TokenRejectedError('ROLE_NOT_ALLOWED');
      return principal;
    }
    if (contract !== undefined) throw new TokenRejectedError('ROLE_NOT_ALLOWED');
    if (anyHostPrincipal) return principal;
    if (!hostRoles.has(principal.id)) throw new TokenRejectedError('UNKNOWN_PRINCIPAL');
    const role = hostRoles.get(principal.id);
    if (role !== null && role !== principal.role) throw new TokenRejectedError('ROLE_NOT_ALLOWED');
    return principal;
  };

  return async (token) => {
    const unverified = unverifiedClaims(token);
    const candidates = candidatesFor(unverified.sub as string, unverified.iss);
    // No provider could vouch for this subject: no key can verify the token.
    if (candidates.length === 0) throw new TokenRejectedError('KEY_NOT_FOUND');
    let firstKeyRefusal: unknown;
    for (const candidate of candidates) {
      let payload: JWTPayload;
      try {
        payload = await candidate.verify(token);
      } catch (error) {
        if (!isKeyLevel(error)) throw error;
        firstKeyRefusal ??= error;
        continue;
      }
      return {
        principal: admit(principalOf(payload)),
        validUntilMs: ((payload.exp ?? 0) + tolerance) * 1000,
      };
    }
    throw firstKeyRefusal;
  };
}
