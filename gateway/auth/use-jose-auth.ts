/**
 * `useJoseAuth`: an envelop plugin that authenticates every operation with jose. The token comes from the
 * `Authorization: Bearer` header (HTTP, SSE) or `connectionParams.authorization` (graphql-ws). A missing token
 * leaves the caller anonymous (only `health` answers); a bad token, or a partner without a contract, fails the
 * operation with UNAUTHENTICATED.
 */
import type { Plugin } from 'graphql-yoga';
import { unauthenticated } from '../errors.ts';
import type { Principal } from '../ports.ts';
import { TokenRejectedError } from './verifier.ts';
import type { TokenVerifier } from './verifier.ts';

/** Options of `useJoseAuth`. */
export interface JoseAuthOptions {
  verify: TokenVerifier;
  /** Whether a verified principal is known: a partner with a contract, or a host principal. */
  isKnownPrincipal: (principal: Principal) => boolean;
  /** Called with the refusal reason (for logs and metrics; the token is never passed). */
  onRejected?: (reason: string) => void;
}

/** What the plugin adds to the GraphQL context. */
export interface AuthContext {
  principal: Principal | null;
}

/** Outcome of authenticating one credential. */
export type AuthOutcome = { principal: Principal | null } | { rejected: string };

/** Pull the bearer token out of an Authorization value. */
export function bearerToken(authorization: unknown): string | null {
  if (typeof authorization !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1] ?? null;
}

/** Authenticate one Authorization value (the header or the connection parameter). */
export async function authenticate(authorization: unknown, options: JoseAuthOptions): Promise<AuthOutcome> {
  if (authorization === undefined || authorization === null || authorization === '')
    return { principal: null };
  const token = bearerToken(authorization);
  if (token === null) return { rejected: 'malformed authorization' };
  try {
    const principal = await options.verify(token);
    if (!options.isKnownPrincipal(principal)) return { rejected: 'unknown principal' };
    return { principal };
  } catch (error) {
    if (error instanceof TokenRejectedError) return { rejected: error.reason };
    throw error;
  }
}

function authorizationOf(context: Record<string, unknown>): unknown {
  const connectionParams = context['connectionParams'] as Record<string, unknown> | undefined;
  if (connectionParams !== undefined)
    return connectionParams['authorization'] ?? connectionParams['Authorization'];
  const request = context['request'] as Request | undefined;
  return request?.headers.get('authorization') ?? undefined;
}

/** The plugin. */
export function useJoseAuth(options: JoseAuthOptions): Plugin<AuthContext> {
  return {
    async onContextBuilding({ context, extendContext }) {
      const outcome = await authenticate(authorizationOf(context as Record<string, unknown>), options);
      if ('rejected' in outcome) {
        options.onRejected?.(outcome.rejected);
        throw unauthenticated('invalid credentials', { reason: 'INVALID_TOKEN' });
      }
      extendContext({ principal: outcome.principal });
    },
  };
}
