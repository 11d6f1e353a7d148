/**
 * `useJoseAuth`: an envelop plugin that authenticates every operation with jose. The token comes from the
 * `Authorization: Bearer` header (HTTP, SSE) or `connectionParams.authorization` (graphql-ws). A missing token
 * leaves the caller anonymous (only `health` answers); a refused token fails the operation with UNAUTHENTICATED
 * and `extensions.reason` (TOKEN_EXPIRED, BAD_SIGNATURE, ...), after the refusal is on the decision log.
 */
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { unauthenticated } from '../errors.ts';
import type { Principal } from '../ports.ts';
import type { AuthAuditor } from './auth-audit.ts';
import { clientAddressOf } from './client-source.ts';
import { refusalMessage, TokenRejectedError } from './refusal-reasons.ts';
import type { TokenRefusalReason } from './refusal-reasons.ts';
import type { TokenAuthenticator } from './token-authenticator.ts';

/** Options of `useJoseAuth`. */
export interface JoseAuthOptions {
  /** Verifies a token and admits its principal (see `createTokenAuthenticator`). */
  authenticate: TokenAuthenticator;
  /** Where refusals are audited. */
  audit?: AuthAuditor;
  /** Called with the refusal reason (metrics; the token is never passed). */
  onRejected?: (reason: TokenRefusalReason) => void;
}

/** What the plugin adds to the GraphQL context. */
export interface AuthContext {
  principal: Principal | null;
  /** The client's network address (for `authAudit.refused`); undefined when unknown. */
  clientAddress: string | undefined;
}

/** Outcome of authenticating one credential. */
export type AuthOutcome =
  | { principal: null }
  | { principal: Principal; validUntilMs: number }
  | { rejected: TokenRefusalReason; claim?: string | undefined };

/** Pull the bearer token out of an Authorization value. */
export function bearerToken(authorization: unknown): string | null {
  if (typeof authorization !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1] ?? null;
}

/** Authenticate one Authorization value (the header or the connection parameter). */
export async function authenticateCredential(
  authorization: unknown,
  options: Pick<JoseAuthOptions, 'authenticate'>,
): Promise<AuthOutcome> {
  if (authorization === undefined || authorization === null || authorization === '')
    return { principal: null };
  const token = bearerToken(authorization);
  if (token === null) return { rejected: 'MALFORMED_TOKEN' };
  try {
    return await options.authenticate(token);
  } catch (error) {
    if (error instanceof TokenRejectedError) return { rejected: error.reason, claim: error.claim };
    throw error;
  }
}

/**
 * Record a refusal (metrics, then the decision log, waiting until the entry is written or has failed) and build
 * the error the client receives. The refusal stands whether or not the entry could be written.
 */
export async function refuse(
  outcome: { rejected: TokenRefusalReason; claim?: string | undefined },
  clientAddress: string | undefined,
  options: Pick<JoseAuthOptions, 'audit' | 'onRejected'>,
): Promise<GraphQLError> {
  options.onRejected?.(outcome.rejected);
  await options.audit?.refused(clientAddress, outcome.rejected);
  return unauthenticated(refusalMessage(outcome.rejected, outcome.claim), { reason: outcome.rejected });
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
      const record = context as Record<string, unknown>;
      const clientAddress = clientAddressOf(record);
      const outcome = await authenticateCredential(authorizationOf(record), options);
      if ('rejected' in outcome) throw await refuse(outcome, clientAddress, options);
      extendContext({ principal: outcome.principal, clientAddress });
    },
  };
}
